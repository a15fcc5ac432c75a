package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.segmentation.data.ImageCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

class RenderingsTest {

    /** Two grey pixels (100, 100, 100). */
    private static final ImageCodec.Rgb GREY = new ImageCodec.Rgb(2, 1, new byte[] {100, 100, 100, 100, 100, 100});

    private static byte[] decoded(byte[] png) throws Exception {
        return ImageCodec.decodeRgb(png).pixels();
    }

    @Test
    void jetRunsFromBlueThroughGreenToRed() {
        assertThat(Renderings.jet(0f)).isEqualTo(0x000080); // b = 1.5 - 1 = 0.5
        assertThat(Renderings.jet(0.5f)).isEqualTo(0x80FF80); // r = b = 0.5, g = 1
        assertThat(Renderings.jet(1f)).isEqualTo(0x800000);
    }

    @Test
    void overlayTintsObjectsAndLeavesTheBackground() throws Exception {
        byte[] out = decoded(Renderings.maskOverlay(GREY, new byte[] {0, 1}, List.of("background", "cross")));
        assertThat(out[0] & 0xFF).isEqualTo(100); // background: untinted
        // Class 1 is 0xE6194B at 0.55: red 100 * 0.45 + 230 * 0.55 = 171.5 -> 172 (rounded half up)
        assertThat(out[3] & 0xFF).isEqualTo(172);
        assertThat(out[4] & 0xFF).isEqualTo(Math.round(100 * 0.45f + 0x19 * 0.55f)); // 58.75 -> 59
    }

    @Test
    void heatMapScalesToItsMaximumAndSeedsDarkenUnseededPixels() throws Exception {
        byte[] heat = decoded(Renderings.heatMap(GREY, new float[] {0f, 2f}));
        // Pixel 0: t = 0, blue 0x000080 at 0.25: b = 100 * 0.75 + 128 * 0.25 = 107
        assertThat(heat[2] & 0xFF).isEqualTo(107);
        // Pixel 1: t = 1, 0x800000 at 0.75: r = 100 * 0.25 + 128 * 0.75 = 121
        assertThat(heat[3] & 0xFF).isEqualTo(121);
        byte[] seeds = decoded(Renderings.seeds(GREY, new byte[] {(byte) 255, 0}));
        assertThat(seeds[0] & 0xFF).isEqualTo(40); // unseeded: 100 * 0.4
        assertThat(seeds[3] & 0xFF).isEqualTo(Math.round(100 * 0.15f + 0x80 * 0.85f)); // class 0's grey
    }
}
