package io.seedstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.DatasetLoad;
import io.seedstream.segmentation.data.ImageCodec;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --list} with images on a web server (one here, on loopback): fetched, or reported by status. */
class ImageListDownloadTest {

    @Test
    void imagesOfAListAreFetchedOverHttpAndAFailedFetchIsReported(@TempDir Path dir) throws Exception {
        byte[] png = ImageCodec.encodePng(5, 3, new byte[5 * 3 * 3]);
        HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        web.createContext("/cat.png", exchange -> {
            exchange.sendResponseHeaders(200, png.length);
            exchange.getResponseBody().write(png);
            exchange.close();
        });
        web.start();
        try {
            String base = "http://127.0.0.1:" + web.getAddress().getPort();
            Files.writeString(dir.resolve("list.csv"), base + "/cat.png,cat\n" + base + "/gone.png,cat\n");
            DatasetOptions options = new DatasetOptions();
            new CommandLine(options).parseArgs("--list", dir.resolve("list.csv").toString());

            DatasetLoad load = options.load(SeedStreamConfig.defaults());

            assertThat(load.images()).singleElement().satisfies(image -> {
                assertThat(image.id()).isEqualTo(base + "/cat.png");
                assertThat(image.width()).isEqualTo(5);
                assertThat(image.labels()).containsExactly(1);
            });
            assertThat(load.problems())
                    .extracting(Object::toString)
                    .containsExactly(base + "/gone.png: GET " + base + "/gone.png answered 404");
        } finally {
            web.stop(0);
        }
    }
}
