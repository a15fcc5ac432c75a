package io.seedstream.segmentation.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class OpsTest {

    /** The gradient of sum(op(x)) at x, with freed memory reused between the forward and the backward pass. */
    private static float[] gradientAfterCollection(UnaryOperator<NDArray> op, float... x) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray input = manager.create(x);
            input.setRequiresGradient(true);
            try (Autograd.Recording recording = Autograd.record()) {
                NDArray loss = op.apply(input).sum();
                FreedMemory.collectAndReuse();
                recording.backward(loss);
            }
            return input.getGradient().toFloatArray();
        }
    }

    /**
     * d(4x)/dx = 4, d(x/4)/dx = 0.25, d max(x, 0)/dx = 0 below 0 and 1 above, each after freed
     * memory was reused: with DJL's x.mul(4f) and its kin most such backward passes read garbage
     * (253 of 300 in one measurement, values such as -1.4e34).
     */
    @Test
    void numberArithmeticKeepsItsGradientAcrossGarbageCollections() {
        for (int repeat = 0; repeat < 20; repeat++) {
            assertThat(gradientAfterCollection(x -> Ops.mul(x, 4), 1f, -2f)).containsExactly(4f, 4f);
            assertThat(gradientAfterCollection(x -> Ops.div(x, 4), 1f, -2f)).containsExactly(0.25f, 0.25f);
            assertThat(gradientAfterCollection(x -> Ops.maximum(x, 0), 1f, -2f)).containsExactly(1f, 0f);
        }
    }

    /**
     * No class of the core calls DJL's arithmetic with a Number (mul, div, maximum, minimum, pow):
     * see {@link Ops#mul}. AdamUpdates may: it updates in place with gradients off, so nothing keeps
     * the number for a backward pass.
     */
    @Test
    void theCoreNeverUsesDjlsNumberArithmetic() throws URISyntaxException, Exception {
        Path classes = Path.of(
                Ops.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class")
                            && !p.getFileName().toString().startsWith("AdamUpdates"))
                    .map(Path::toString)
                    .toList();
        }
        assertThat(files).hasSizeGreaterThan(50);
        StringWriter output = new StringWriter();
        List<String> arguments = new ArrayList<>(List.of("-c", "-p"));
        arguments.addAll(files);
        int status = ToolProvider.findFirst("javap")
                .orElseThrow()
                .run(new PrintWriter(output), new PrintWriter(new StringWriter()), arguments.toArray(String[]::new));
        assertThat(status).isZero();
        List<String> offending = new ArrayList<>();
        String currentClass = "";
        for (String line : output.toString().split("\n")) {
            if (line.startsWith("Compiled from")) {
                currentClass = line;
            } else if (line.matches(
                    ".*ai/djl/ndarray/NDArray\\.(mul|div|maximum|minimum|pow)i?:\\(Ljava/lang/Number;\\).*")) {
                offending.add(currentClass + ": " + line.trim());
            }
        }
        assertThat(offending).isEmpty();
    }
}
