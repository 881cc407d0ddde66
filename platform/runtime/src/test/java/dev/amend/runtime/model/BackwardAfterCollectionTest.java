package dev.amend.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.amend.kit.Scalars;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Intervention;
import dev.amend.spi.model.Site;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A garbage collection between a forward and its backward pass must not change the gradient. DJL makes
 * the number of {@code mul(Number)} a tensor over a Java buffer and frees it after the forward; autograd
 * reads it again in the backward pass. These tests collect and refill freed native memory with NaN in
 * between: the DJL form gives NaN gradients there (checked when this test was written: 20 of 20 tries).
 */
class BackwardAfterCollectionTest {
    private static final int[] IDS = {3, 17, 42, 5, 9, 11, 60, 2};

    /** Collects garbage until Java's freed direct buffers are released, then reuses their memory with NaN. */
    private static void collectAndPoison() {
        for (int k = 0; k < 3; k++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<ByteBuffer> junk = new ArrayList<>();
        for (int k = 0; k < 2000; k++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
            b.putFloat(0, Float.NaN);
            junk.add(b);
        }
        java.lang.ref.Reference.reachabilityFence(junk); // the NaN buffers stay allocated until here
    }

    private static float[] gradient(Function<NDArray, NDArray> f, float[] at, boolean poison) {
        try (NDManager nd = NDManager.newBaseManager()) {
            NDArray x = nd.create(at);
            x.setRequiresGradient(true);
            try (GradientCollector gc = nd.getEngine().newGradientCollector()) {
                NDArray y = f.apply(x).sum();
                if (poison) {
                    collectAndPoison();
                }
                gc.backward(y);
                return x.getGradient().toFloatArray();
            }
        }
    }

    @Test
    void scalarArithmeticKeepsItsGradient() {
        float[] at = {1f, -2f, 3f};
        assertArrayEquals(new float[] {3f, 3f, 3f}, gradient(x -> Scalars.mul(x, 3), at, true));
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, gradient(x -> Scalars.div(x, 2), at, true));
        assertArrayEquals(new float[] {1f, 0f, 1f}, gradient(x -> Scalars.maximum(x, 0), at, true));
    }

    private static float[] interventionGradient(Transformer m, boolean poison) {
        try (NDManager nd = m.manager().newSubManager()) {
            NDArray delta = nd.zeros(new ai.djl.ndarray.types.Shape(m.architecture().hiddenSize()));
            delta.setRequiresGradient(true);
            try (GradientCollector gc = nd.getEngine().newGradientCollector();
                 ForwardResult r = m.forward(ForwardRequest.builder(List.of(IDS)).gradients(true)
                         .intervene(new Intervention(0, Site.MLP_OUTPUT, 0, 3, delta)).build())) {
                NDArray loss = r.logits().get(new NDIndex("0, -1, 7"));
                if (poison) {
                    collectAndPoison();
                }
                gc.backward(loss);
                return delta.getGradient().toFloatArray();
            }
        }
    }

    @Test
    void aModelsGradientIsTheSameWithACollectionBeforeTheBackwardPass() {
        for (TransformerConfig config : List.of(TinyModels.gpt2(), TinyModels.llama())) {
            try (Transformer m = TinyModels.random(config, 5)) {
                float[] clean = interventionGradient(m, false);
                float[] collected = interventionGradient(m, true);
                assertArrayEquals(clean, collected, config.toString());
            }
        }
    }
}
