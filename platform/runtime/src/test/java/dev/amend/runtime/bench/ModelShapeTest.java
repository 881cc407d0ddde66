package dev.amend.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.spi.InvalidRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The published shapes: their parameter counts, the blocks up to their edit layers, and the layers moved onto a cut. */
class ModelShapeTest {

    private static long parameters(TransformerConfig c) {
        long n = 0;
        for (long[] s : Transformer.weightShapes(c).values()) {
            long e = 1;
            for (long x : s) {
                e *= x;
            }
            n += e;
        }
        return n;
    }

    @Test
    void fullShapesHaveThePublishedParameterCounts() {
        assertEquals(1_557_611_200L, parameters(ModelShape.GPT2_XL.config(48)));       // gpt2-xl
        assertEquals(8_030_261_248L, parameters(ModelShape.LLAMA3_8B.config(32)));     // Meta-Llama-3-8B
        assertEquals(7_615_616_512L, parameters(ModelShape.QWEN25_7B.config(28)));     // Qwen2.5-7B
    }

    @Test
    void defaultsCutAfterTheLastUsualEditLayer() {
        assertEquals(18, ModelShape.GPT2_XL.blocksToEditLayers());
        assertEquals(9, ModelShape.LLAMA3_8B.blocksToEditLayers());
        assertEquals(List.of(17), ModelShape.GPT2_XL.editLayers("rome"));
    }

    @Test
    void editLayersBeyondTheCutMoveOntoTheLastBlocksKept() {
        assertEquals(List.of(13, 14, 15, 16, 17), ScaleBenchmark.layersWithin(List.of(13, 14, 15, 16, 17), 18));
        assertEquals(List.of(5, 6, 7, 8, 9), ScaleBenchmark.layersWithin(List.of(13, 14, 15, 16, 17), 10));
        assertEquals(List.of(0, 1), ScaleBenchmark.layersWithin(List.of(13, 14, 15, 16, 17), 2));
        assertEquals(List.of(1), ScaleBenchmark.layersWithin(List.of(5), 2));
    }

    @Test
    void unknownShapesAndCutsAreRefusedNamingWhatIsAccepted() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> ModelShape.parse("gpt-4"));
        assertTrue(e.getMessage().contains("use gpt2-xl, llama3-8b, qwen2.5-7b"), e.getMessage());
        assertThrows(InvalidRequestException.class, () -> ModelShape.GPT2_XL.config(49));
        assertThrows(InvalidRequestException.class, () -> ModelShape.GPT2_XL.editLayers("mend"));
    }
}
