package dev.amend.runtime.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.runtime.Stories260k;
import dev.amend.runtime.model.Precision;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.Sampling;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The real stories260K checkpoint held in float16, and split over two device slots, against run.c's goldens. */
class Stories260kResidencyTest {

    @Test
    void float16ReproducesEveryGoldenTokenForToken() throws IOException {
        List<String> differing = new ArrayList<>();
        try (Transformer m = Stories260k.load(Residency.of(Precision.FLOAT16, Device.cpu()))) {
            assertEquals(Precision.FLOAT16, m.precision());
            for (Stories260k.Golden g : Stories260k.goldens()) {
                int[] got = generate(m, g);
                assertArrayEquals(g.generatedIds(), got, g.prompt() + " in float16");
            }
        }
        try (Transformer m = Stories260k.load(Residency.of(Precision.BFLOAT16, Device.cpu()))) {
            for (Stories260k.Golden g : Stories260k.goldens()) {
                if (!java.util.Arrays.equals(g.generatedIds(), generate(m, g))) {
                    differing.add(g.prompt());
                }
            }
        }
        // bfloat16 keeps 8 significant bits: greedy ties may break differently on this 260K-parameter model
        System.out.println("[stories260K] goldens whose greedy tokens differ in bfloat16: " + differing.size() + " of "
                + Stories260k.goldens().size() + " " + differing);
    }

    @Test
    void splitOverTwoDevicesReproducesEveryGolden() throws IOException {
        Residency two = new Residency(Precision.FLOAT32, List.of(Device.cpu(), Device.cpu()));
        try (Transformer m = Stories260k.load(two)) {
            int[] placement = m.placement();
            assertTrue(placement[0] == 0 && placement[placement.length - 1] == 1, "both slots hold blocks");
            for (Stories260k.Golden g : Stories260k.goldens()) {
                assertTrue(g.reproducedBy(m), g.prompt() + " split over two slots");
            }
        }
    }

    private static int[] generate(Transformer m, Stories260k.Golden g) {
        return m.generate(new GenerationRequest(g.promptIds(), 64 - (g.promptIds().length - 1), Sampling.GREEDY,
                false)).generatedIds();
    }
}
