package io.seedstream.segmentation.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Decoding and encoding of images and masks with the JDK's codecs (PNG, JPEG, BMP, GIF). */
public final class ImageCodec {

    private ImageCodec() {}

    /** Decoded RGB pixels. */
    public record Rgb(int width, int height, byte[] pixels) {}

    /** Decodes an image; throws {@link IOException} with a readable reason when it is not one. */
    public static Rgb decodeRgb(byte[] encoded) throws IOException {
        BufferedImage image = read(encoded);
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[w * h * 3];
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int p = 0; p < argb.length; p++) {
            rgb[p * 3] = (byte) (argb[p] >> 16);
            rgb[p * 3 + 1] = (byte) (argb[p] >> 8);
            rgb[p * 3 + 2] = (byte) argb[p];
        }
        return new Rgb(w, h, rgb);
    }

    public static Rgb readRgb(Path file) throws IOException {
        return decodeRgb(Files.readAllBytes(file));
    }

    /**
     * Reads a mask whose samples are class ids: 8-bit grayscale (CamVid) or palette-indexed
     * (PASCAL VOC, where the palette index is the class id).
     */
    public static byte[] readMask(Path file, int expectedWidth, int expectedHeight) throws IOException {
        BufferedImage image = read(Files.readAllBytes(file));
        if (image.getWidth() != expectedWidth || image.getHeight() != expectedHeight) {
            throw new IOException("mask is " + image.getWidth() + "x" + image.getHeight()
                    + " but its image is " + expectedWidth + "x" + expectedHeight);
        }
        Raster raster = image.getRaster();
        if (raster.getNumBands() != 1) {
            throw new IOException("mask must have one band of class ids, has " + raster.getNumBands());
        }
        byte[] mask = new byte[expectedWidth * expectedHeight];
        int[] row = new int[expectedWidth];
        for (int y = 0; y < expectedHeight; y++) {
            raster.getSamples(0, y, expectedWidth, 1, 0, row);
            for (int x = 0; x < expectedWidth; x++) {
                mask[y * expectedWidth + x] = (byte) row[x];
            }
        }
        return mask;
    }

    private static BufferedImage read(byte[] encoded) throws IOException {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(encoded));
        } catch (IOException | RuntimeException e) {
            throw new IOException("unreadable image data (" + e.getMessage() + ")", e);
        }
        if (image == null) {
            throw new IOException("not an image in a supported format (PNG, JPEG, BMP, GIF)");
        }
        return image;
    }
}
