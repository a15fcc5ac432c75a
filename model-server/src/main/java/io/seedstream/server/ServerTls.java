package io.seedstream.server;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** HTTPS for a server that is not behind an ingress: Jetty's TLS connector on the server's one port. */
final class ServerTls {
    static final String PASSWORD_VARIABLE = "SEEDSTREAM_SERVER_TLS_PASSWORD";

    private ServerTls() {}

    /** The keystore's password: {@code server.tlsKeystorePasswordFile}, else {@value #PASSWORD_VARIABLE}. */
    static String password(SeedStreamConfig.Server settings, Map<String, String> environment) {
        if (!Files.isReadable(Path.of(settings.tlsKeystore()))) {
            throw new IllegalArgumentException("server.tlsKeystore: cannot read " + settings.tlsKeystore());
        }
        if (!settings.tlsKeystorePasswordFile().isEmpty()) {
            return AccessToken.firstLine(Path.of(settings.tlsKeystorePasswordFile()), "server.tlsKeystorePasswordFile");
        }
        String password = environment.get(PASSWORD_VARIABLE);
        if (password == null) {
            throw new IllegalArgumentException("server.tlsKeystore is set: give its password in"
                    + " server.tlsKeystorePasswordFile or " + PASSWORD_VARIABLE);
        }
        return password;
    }

    /** The TLS connector; the host is not checked against the certificate's names (clients do that). */
    static ServerConnector connector(
            Server server,
            HttpConfiguration http,
            SeedStreamConfig.Server settings,
            String password,
            String host,
            int port) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(settings.tlsKeystore());
        ssl.setKeyStoreType("PKCS12");
        ssl.setKeyStorePassword(password);
        http.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector connector =
                new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }
}
