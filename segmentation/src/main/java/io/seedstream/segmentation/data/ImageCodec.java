package io.seedstream.segmentation.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

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
        return decodeMask(Files.readAllBytes(file), expectedWidth, expectedHeight);
    }

    /** A mask from its encoded bytes, see {@link #readMask}. */
    public static byte[] decodeMask(byte[] encoded, int expectedWidth, int expectedHeight) throws IOException {
        BufferedImage image = read(encoded);
        if (image.getWidth() != expectedWidth || image.getHeight() != expectedHeight) {
            throw new IOException("mask is " + image.getWidth() + "x" + image.getHeight() + " but its image is "
                    + expectedWidth + "x" + expectedHeight);
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

    /** Width and height from the image's header alone, so oversized images are refused before decoding. */
    public static int[] dimensions(byte[] encoded) throws IOException {
        try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers =
                    input == null ? Collections.emptyIterator() : ImageIO.getImageReaders(input);
            if (!readers.hasNext()) {
                throw new IOException("not an image in a supported format (PNG, JPEG, BMP, GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(input);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } catch (RuntimeException e) {
                throw new IOException("unreadable image header (" + e.getMessage() + ")", e);
            } finally {
                reader.dispose();
            }
        }
    }

    /** RGB pixels as a PNG file. */
    public static byte[] encodePng(int width, int height, byte[] rgb) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] argb = new int[width * height];
        for (int p = 0; p < argb.length; p++) {
            argb[p] = (rgb[p * 3] & 0xFF) << 16 | (rgb[p * 3 + 1] & 0xFF) << 8 | rgb[p * 3 + 2] & 0xFF;
        }
        image.setRGB(0, 0, width, height, argb, 0, width);
        return png(image);
    }

    /** Class ids as an 8-bit grayscale PNG, the mask format {@link #decodeMask} reads. */
    public static byte[] encodeMask(int width, int height, byte[] mask) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, width, height, mask);
        return png(image);
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] PNG_END = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    /** Whether the bytes start with the PNG signature. */
    public static boolean isPng(byte[] encoded) {
        return startsWith(encoded, PNG_SIGNATURE);
    }

    /** Whether the bytes start with JPEG's start-of-image marker. */
    public static boolean isJpeg(byte[] encoded) {
        return encoded.length >= 2 && (encoded[0] & 0xFF) == 0xFF && (encoded[1] & 0xFF) == 0xD8;
    }

    /**
     * The JDK decodes a PNG without its end chunk, or a JPEG without its end-of-image marker, as if
     * nothing were missing: such files were cut short, and their last rows may be garbage. Nor does
     * it check a PNG's chunk CRCs, so a flipped byte decoded into wrong pixels without a word.
     */
    private static void requireComplete(byte[] encoded) throws IOException {
        if (isPng(encoded)) {
            checkPngChunks(encoded);
            if (!Arrays.equals(
                    encoded,
                    Math.max(0, encoded.length - PNG_END.length),
                    encoded.length,
                    PNG_END,
                    0,
                    PNG_END.length)) {
                throw new IOException("truncated PNG (it does not end with the IEND chunk)");
            }
        }
        if (isJpeg(encoded)) {
            int tail = Math.max(2, encoded.length - 16); // a few padding bytes may follow the marker
            for (int i = encoded.length - 2; i >= tail; i--) {
                if ((encoded[i] & 0xFF) == 0xFF && (encoded[i + 1] & 0xFF) == 0xD9) {
                    return;
                }
            }
            throw new IOException("truncated JPEG (no end-of-image marker)");
        }
    }

    /** Every chunk after the signature whole and matching its CRC, up to IEND. */
    private static void checkPngChunks(byte[] bytes) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        in.position(PNG_SIGNATURE.length);
        while (in.hasRemaining()) {
            if (in.remaining() < 12) {
                throw new IOException("truncated PNG (a chunk is cut short)");
            }
            long length = Integer.toUnsignedLong(in.getInt());
            int typeAt = in.position();
            String type = new String(bytes, typeAt, 4, StandardCharsets.ISO_8859_1);
            if (length > in.remaining() - 8) {
                throw new IOException("truncated PNG (chunk " + type + " runs past the end)");
            }
            CRC32 crc = new CRC32();
            crc.update(bytes, typeAt, 4 + (int) length);
            in.position(typeAt + 4 + (int) length);
            if ((int) crc.getValue() != in.getInt()) {
                throw new IOException("corrupt PNG (chunk " + type + " fails its CRC)");
            }
            if (type.equals("IEND")) {
                return;
            }
        }
        throw new IOException("truncated PNG (no IEND chunk)");
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static BufferedImage read(byte[] encoded) throws IOException {
        requireComplete(encoded);
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
