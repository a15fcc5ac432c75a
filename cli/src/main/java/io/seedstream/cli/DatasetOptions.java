package io.seedstream.cli;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.CocoReader;
import io.seedstream.segmentation.data.DatasetLoad;
import io.seedstream.segmentation.data.ImageListReader;
import io.seedstream.segmentation.data.MaskedDatasetReader;
import io.seedstream.segmentation.data.SyntheticDataset;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/** Where the images to stream come from: the synthetic generator (default) or a data set on disk. */
public final class DatasetOptions {

    private static final int MAX_DOWNLOAD_BYTES = 64 << 20;
    private static final Duration DOWNLOAD_TIME = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

    @Option(
            names = "--synthetic",
            description = "stream this many synthetic images (default ${DEFAULT-VALUE})",
            defaultValue = "1000")
    int synthetic;

    @Option(names = "--folder", description = "a folder of images with a labels.csv (file,class;class;...)")
    Path folder;

    @Option(
            names = "--list",
            description = "a list of images with the classes present: CSV lines 'image,class;class' or JSON lines"
                    + " {\"image\": ..., \"labels\": [...]} (.jsonl); an image is a path relative to the list, a file:,"
                    + " http: or https: URL")
    Path list;

    @Option(names = "--voc", description = "a PASCAL VOC root (JPEGImages, SegmentationClass, ImageSets)")
    Path voc;

    @Option(names = "--camvid", description = "a CamVid root (<split>/ and <split>annot/)")
    Path camvid;

    @Option(
            names = "--coco",
            description = "a COCO root (annotations/instances_<split>.json, images in <split>/): labels and masks"
                    + " from the instance annotations, crowd regions ignored")
    Path coco;

    @Option(
            names = "--split",
            description = "the VOC, CamVid or COCO split, e.g. train2017 for COCO (default ${DEFAULT-VALUE})",
            defaultValue = "train")
    String split;

    @Option(
            names = "--held-out-split",
            defaultValue = "val",
            description = "the VOC, CamVid or COCO split whose images (with their "
                    + "masks) are held out, when it is not --split (default ${DEFAULT-VALUE}); without it, or for other sources, a share of "
                    + "the streamed images is held out")
    String heldOutSplit;

    @Option(
            names = "--mask-fraction",
            defaultValue = "0.2",
            description =
                    "share of images sent with their pixel mask, when they have one (default ${DEFAULT-VALUE}); the trainer "
                            + "holds some of them out to score its models, and trains on the rest")
    double maskFraction;

    /** Reads the chosen source; files that cannot be read are listed in the result, not fatal. */
    DatasetLoad load(SeedStreamConfig config) throws IOException {
        long chosen = Stream.of(folder, list, voc, camvid, coco)
                .filter(Objects::nonNull)
                .count();
        if (chosen > 1) {
            throw new IllegalArgumentException("choose one of --folder, --list, --voc, --camvid and --coco");
        }
        if (maskFraction < 0 || maskFraction > 1) {
            throw new IllegalArgumentException("--mask-fraction must be in [0, 1]");
        }
        if (folder != null) {
            return ImageListReader.folder(folder);
        }
        if (list != null) {
            Path base = list.toAbsolutePath().getParent();
            return ImageListReader.read(
                    list,
                    location -> location.startsWith("http://") || location.startsWith("https://")
                            ? download(URI.create(location))
                            : ImageListReader.files(base).fetch(location));
        }
        if (voc != null) {
            return MaskedDatasetReader.voc(voc, split);
        }
        if (camvid != null) {
            return MaskedDatasetReader.camVid(camvid, split);
        }
        if (coco != null) {
            return CocoReader.read(coco, split);
        }
        if (synthetic < 1) {
            throw new IllegalArgumentException("--synthetic must be at least 1");
        }
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        return new DatasetLoad(data.classes(), data.images(0, synthetic), List.of());
    }

    /**
     * The VOC, CamVid or COCO split held out, when there is one apart from the streamed split: a data set's
     * own validation images are the ones its results are reported on.
     */
    Optional<DatasetLoad> loadHeldOutSplit() throws IOException {
        if (!hasSplits() || heldOutSplit.equals(split)) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    voc != null
                            ? MaskedDatasetReader.voc(voc, heldOutSplit)
                            : camvid != null
                                    ? MaskedDatasetReader.camVid(camvid, heldOutSplit)
                                    : CocoReader.read(coco, heldOutSplit));
        } catch (IOException e) { // no such split here: fall back to a share of the streamed images
            System.out.println("no held-out split: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** An image from the web: 30 s at most in all, refused beyond 64 MB or with a status other than 200. */
    private static byte[] download(URI uri) throws IOException {
        long deadline = System.nanoTime() + DOWNLOAD_TIME.toNanos();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(DOWNLOAD_TIME).build();
        try {
            HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new IOException("GET " + uri + " answered " + response.statusCode());
                }
                // The request's timeout ends with the headers: a body that trickles is cut off here.
                CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                    try {
                        return body.readNBytes(MAX_DOWNLOAD_BYTES + 1);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                byte[] bytes;
                try {
                    bytes = read.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    throw new IOException("GET " + uri + " took longer than " + DOWNLOAD_TIME.toSeconds() + " s");
                } catch (ExecutionException e) {
                    throw new IOException("GET " + uri + ": " + e.getCause().getMessage(), e.getCause());
                }
                if (bytes.length > MAX_DOWNLOAD_BYTES) {
                    throw new IOException("GET " + uri + " is larger than " + (MAX_DOWNLOAD_BYTES >> 20) + " MB");
                }
                return bytes;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + uri, e);
        }
    }

    /** Whether the source is a data set with splits (VOC, CamVid, COCO), one of which may be held out. */
    boolean hasSplits() {
        return voc != null || camvid != null || coco != null;
    }

    /** Whether the i-th image goes with its mask: spread evenly, so every prefix of the stream has its share. */
    boolean sendsMask(int index) {
        return Math.floor((index + 1) * maskFraction) > Math.floor(index * maskFraction);
    }

    static String describe(DatasetLoad load) {
        ClassList classes = load.classes();
        return load.images().size() + " images, " + classes.size() + " classes " + classes.names();
    }
}
