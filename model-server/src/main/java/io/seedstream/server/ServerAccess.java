package io.seedstream.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.security.RouteRole;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Who may call what, checked before every route: each client's request rate first (429), then, for
 * the routes that need it, the access token (401 without one, 403 for a wrong one). Every route says
 * what it needs by its {@link Role}; the static files (the pages, which sign in themselves) have none.
 */
final class ServerAccess {
    /** The session cookie the pages get for the token, so that their pictures' requests carry it too. */
    static final String COOKIE = "seedstream_token";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The request attribute naming the client whose request is in progress. */
    private static final String IN_PROGRESS = "seedstream.client";

    /** What a route needs. */
    enum Role implements RouteRole {
        /** Probes: never limited, never a token. */
        HEALTH,
        /** Open to anyone, within the client's rate. */
        OPEN,
        /** Inference, the model list, metrics: the token only with server.protectInference. */
        INFERENCE,
        /** Writes labels or shows training images: always the token. */
        TRAINING_DATA
    }

    private final AccessToken token;
    private final SeedStreamConfig.Server settings;
    private final boolean secure;
    private final ClientLimits limits;

    ServerAccess(AccessToken token, SeedStreamConfig.Server settings, boolean secure) {
        this.token = token;
        this.settings = settings;
        this.secure = secure;
        this.limits = new ClientLimits(
                settings.clientRequestsPerSecond(), settings.clientBurst(), settings.clientMaxInFlight());
    }

    /** Before a matched route: refuses the request with its reason, or lets it through. */
    void check(Context ctx) {
        Set<RouteRole> roles = ctx.routeRoles();
        if (roles.contains(Role.HEALTH)) {
            return;
        }
        String client = client(ctx);
        long retryAfter = limits.retryAfterSeconds(client, System.nanoTime());
        if (retryAfter > 0) {
            throw new ApiException(
                    429,
                    "too many requests from " + client + ": at most " + settings.clientRequestsPerSecond()
                            + " a second (server.clientRequestsPerSecond), " + settings.clientBurst()
                            + " at once (server.clientBurst); retry in " + retryAfter + " s",
                    retryAfter);
        }
        boolean needsToken =
                roles.contains(Role.TRAINING_DATA) || (roles.contains(Role.INFERENCE) && settings.protectInference());
        if (needsToken) {
            requireToken(ctx, presented(ctx));
        }
        if (!limits.enter(client)) {
            throw new ApiException(
                    429,
                    client + " has " + settings.clientMaxInFlight()
                            + " requests in progress already (server.clientMaxInFlight); retry when one has ended",
                    1);
        }
        ctx.attribute(IN_PROGRESS, client);
    }

    /** After every request: the end of one {@link #check} let through. */
    void finished(Context ctx) {
        String client = ctx.attribute(IN_PROGRESS);
        if (client != null) {
            limits.leave(client);
        }
    }

    /** {@code POST /v1/session} with {@code {"token": "..."}}: the token as an HttpOnly session cookie. */
    void signIn(Context ctx) {
        String presented = null;
        try {
            JsonNode body = JSON.readTree(ctx.body());
            if (body != null && body.hasNonNull("token")) {
                presented = body.get("token").asText();
            }
        } catch (IOException notJson) {
            // refused below, as a body without a token is
        }
        if (presented == null || presented.isBlank()) {
            throw new ApiException(400, "send {\"token\": \"...\"} as JSON");
        }
        requireToken(ctx, presented);
        ctx.header(
                "Set-Cookie",
                COOKIE + "=" + URLEncoder.encode(presented, StandardCharsets.UTF_8)
                        + "; Path=/; HttpOnly; SameSite=Strict" + (overHttps(ctx) ? "; Secure" : ""));
        ctx.status(204);
    }

    /** This server speaks TLS, or the trusted proxy in front of it took the request over HTTPS. */
    private boolean overHttps(Context ctx) {
        return secure || (settings.trustForwardedFor() && "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto")));
    }

    private void requireToken(Context ctx, String presented) {
        if (presented == null) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"seedstream\"");
            throw new ApiException(
                    401,
                    "this endpoint needs the server's access token: send Authorization: Bearer TOKEN, or sign in on"
                            + " the page (the token is in server.tokenFile or " + AccessToken.VARIABLE
                            + ", or printed at the server's start)");
        }
        if (!token.matches(presented)) {
            throw new ApiException(403, "the access token is not this server's");
        }
    }

    private static String presented(Context ctx) {
        String header = ctx.header("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).strip();
        }
        String cookie = ctx.cookie(COOKIE);
        try {
            return cookie == null ? null : URLDecoder.decode(cookie, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return null; // not a cookie this server set: as if there were none
        }
    }

    private String client(Context ctx) {
        String forwarded = settings.trustForwardedFor() ? ctx.header("X-Forwarded-For") : null;
        if (forwarded != null && !forwarded.isBlank()) {
            // The proxy appends the address it saw; entries to its left come from the client and prove nothing.
            String[] hops = forwarded.split(",");
            return hops[hops.length - 1].strip();
        }
        return ctx.ip();
    }
}
