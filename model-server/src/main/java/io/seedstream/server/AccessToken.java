package io.seedstream.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * The server's access token: read from {@code server.tokenFile}, else from {@value #VARIABLE}, else
 * made up at start (and then shown once, in the address that signs in). Compared in constant time.
 */
public final class AccessToken {
    public static final String VARIABLE = "SEEDSTREAM_SERVER_TOKEN";

    private final String value;
    private final boolean generated;

    private AccessToken(String value, boolean generated) {
        this.value = value;
        this.generated = generated;
    }

    /** The configured token, or a fresh random one; a token file that is missing or empty is an error. */
    public static AccessToken resolve(String tokenFile, Map<String, String> environment) {
        if (!tokenFile.isEmpty()) {
            return new AccessToken(firstLine(Path.of(tokenFile), "server.tokenFile"), false);
        }
        if (configured(tokenFile, environment)) {
            return new AccessToken(environment.get(VARIABLE).strip(), false);
        }
        return new AccessToken(random(), true);
    }

    /** Whether a token is configured (a file, or a variable that is not blank): else {@link #resolve} makes one up. */
    public static boolean configured(String tokenFile, Map<String, String> environment) {
        String fromEnvironment = environment.get(VARIABLE);
        return !tokenFile.isEmpty() || (fromEnvironment != null && !fromEnvironment.isBlank());
    }

    /** A new random token: 24 bytes, URL-safe. */
    public static String random() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The first line of a secret's file, or an error that names the setting (never the secret). */
    static String firstLine(Path file, String setting) {
        try {
            String line = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .findFirst()
                    .orElse("")
                    .strip();
            if (line.isEmpty()) {
                throw new IllegalArgumentException(setting + ": " + file + " is empty");
            }
            return line;
        } catch (IOException e) {
            throw new IllegalArgumentException(setting + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether the caller presented this token; the time taken does not depend on where they differ. */
    boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(sha256(presented), sha256(value));
    }

    /** Whether the server made the token up (nobody configured one). */
    public boolean generated() {
        return generated;
    }

    /** Only for the sign-in address of a made-up token, which its operator must learn somehow. */
    String value() {
        return value;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
