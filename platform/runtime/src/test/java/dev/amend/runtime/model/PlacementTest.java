package dev.amend.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.amend.runtime.io.Devices;
import dev.amend.runtime.ledger.WeightBits;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.Intervention;
import dev.amend.spi.model.Sampling;
import dev.amend.spi.model.Site;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Models spread over several devices ({@code --devices}): the contiguous split, and a model split over two device
 * slots that are both the CPU computing, through the same code path a split over GPUs takes (a device slot of its
 * own per range, the stream moved at each cut, hooks moved to their block), exactly what the unsplit model computes.
 */
class PlacementTest {
    private static final int[] IDS = {5, 9, 13, 2, 40, 7, 7, 21};
    private static final Residency TWO = new Residency(Precision.FLOAT32, List.of(Device.cpu(), Device.cpu()));

    @Test
    void blocksAreCutIntoContiguousRangesOfAboutEqualBytes() {
        Residency three = new Residency(Precision.FLOAT32, List.of(Device.cpu(), Device.gpu(0), Device.gpu(1)));
        assertArrayEquals(new int[] {0, 0, 1, 1}, TWO.blockSlots(new long[] {10, 10, 10, 10}, 0, 0));
        assertArrayEquals(new int[] {0, 1, 1, 1}, TWO.blockSlots(new long[] {10, 10, 10, 10}, 25, 0),
                "large embeddings on the first device take the place of blocks");
        assertArrayEquals(new int[] {0, 0, 0, 1}, TWO.blockSlots(new long[] {10, 10, 10, 10}, 0, 25),
                "a large head on the last device takes the place of blocks");
        assertArrayEquals(new int[] {0, 1, 2}, three.blockSlots(new long[] {1, 1, 1}, 100, 0),
                "every device holds at least one block");
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2}, three.blockSlots(new long[] {5, 5, 5, 5, 5, 5}, 0, 0));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> three.blockSlots(new long[] {1, 1}, 0, 0));
        assertTrue(e.getMessage().contains("3 devices") && e.getMessage().contains("at most 2"), e.getMessage());
    }

    @Test
    void moreDevicesThanBlocksIsRefusedWhenTheModelLoads() {
        Residency four = new Residency(Precision.FLOAT32, List.of(Device.cpu(), Device.cpu(), Device.cpu(),
                Device.cpu()));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> TinyModels.random(TinyModels.gpt2(), 1, null, four));
        assertTrue(e.getMessage().contains("4 devices but the model has 3 blocks"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void aSplitModelComputesWhatTheWholeOneDoes(String family) {
        TransformerConfig c = family.equals("gpt2") ? TinyModels.gpt2() : TinyModels.llama();
        try (Transformer whole = TinyModels.random(c, 4); Transformer split = TinyModels.random(c, 4, null, TWO)) {
            int[] placement = split.placement();
            assertEquals(0, placement[0]);
            assertEquals(1, placement[placement.length - 1], "both slots hold blocks");
            EditPoint last = split.architecture().editPoint(c.layers() - 1);
            assertNotSame(split.weight(split.architecture().editPoint(0).weight()).getManager(),
                    split.weight(last.weight()).getManager(), "each range lives in its own device slot");
            assertArrayEquals(pass(whole), pass(split), 0f, "logits, captures and the gradient of an intervention");
            int[] prompt = {3, 8, 1};
            assertArrayEquals(whole.generate(new GenerationRequest(prompt, 12, Sampling.GREEDY, false)).generatedIds(),
                    split.generate(new GenerationRequest(prompt, 12, Sampling.GREEDY, false)).generatedIds());
            Random r = new Random(9);
            float[] u = new float[last.outFeatures()];
            float[] v = new float[last.inFeatures()];
            for (int i = 0; i < u.length; i++) {
                u[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            WeightDelta d = new WeightDelta.LowRank(last.weight(), u.length, v.length, 1, u, v);
            whole.addToWeight(d);
            split.addToWeight(d);
            assertArrayEquals(WeightBits.of(whole).get(last.weight()), WeightBits.of(split).get(last.weight()));
            assertArrayEquals(pass(whole), pass(split), 0f, "after an edit of the last range");
            assertEquals(whole.baseHash(), split.baseHash(), "placement does not change what the weights are");
        }
    }

    /** Returns the logits, a capture of the last block and the gradient of an intervention in the first, flattened. */
    private static float[] pass(Transformer m) {
        int last = m.config().layers() - 1;
        try (NDManager nd = m.manager().newSubManager()) {
            NDArray delta = nd.zeros(new Shape(m.config().hiddenSize()));
            delta.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector();
                 ForwardResult r = m.forward(ForwardRequest.builder(List.of(IDS)).gradients(true)
                         .intervene(new Intervention(0, Site.MLP_OUTPUT, 0, 3, delta))
                         .capture(last, Site.MLP_KEY).build())) {
                float[] logits = r.logits().toFloatArray();
                float[] key = r.capture(last, Site.MLP_KEY).toFloatArray();
                assertEquals(m.manager().getDevice(), r.capture(last, Site.MLP_KEY).getDevice());
                gc.backward(r.logits().get(new NDIndex("0, -1, 7")));
                float[] grad = delta.getGradient().toFloatArray();
                float[] all = new float[logits.length + key.length + grad.length];
                System.arraycopy(logits, 0, all, 0, logits.length);
                System.arraycopy(key, 0, all, logits.length, key.length);
                System.arraycopy(grad, 0, all, logits.length + key.length, grad.length);
                return all;
            }
        }
    }

    @Test
    void aDeviceThisBuildOrMachineLacksIsRefusedSayingWhatToDo() {
        InvalidRequestException bad = assertThrows(InvalidRequestException.class, () -> Devices.parse("tpu:0"));
        assertTrue(bad.getMessage().contains("use cpu or cuda:N"), bad.getMessage());
        assertThrows(InvalidRequestException.class, () -> Devices.parseList("cpu,,cpu"));
        assertEquals(List.of(Device.cpu(), Device.cpu()), Devices.parseList("cpu, cpu"));
        String flavor = Devices.nativeFlavor();
        Assumptions.assumeTrue(flavor != null, "no PyTorch natives properties on the class path");
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> Devices.parse("cuda:7"));
        if (flavor.startsWith("cu")) {
            assertTrue(e.getMessage().contains("does not exist: this machine has cpu"), e.getMessage());
        } else {
            assertTrue(e.getMessage().contains("build with -Pcuda"), e.getMessage());
        }
    }
}
