package dev.amend.editors.mend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.amend.kit.GradientFactors;
import dev.amend.kit.Scalars;
import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.WeightOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-token factors against DJL autograd: Σ_tokens δ xᵀ must equal the gradient of the edit loss with
 * respect to the weight, and an untrained (identity, unnormalised) MEND must be a fine-tuning step −lr·∇W.
 */
class GradientFactorsTest {
    private static final List<EditRequest> REQUESTS = List.of(
            EditRequest.of("the cat sat on the {}", "mat", " hat"),
            EditRequest.of("a {} of tea", "cup", " pot!"));

    @Test
    void factorsSumToTheWeightGradient() {
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 11, CharTokenizer.INSTANCE)) {
            List<EditPoint> points = List.of(model.architecture().editPoint(1), model.architecture().editPoint(2));
            Map<EditPoint, GradientFactors.Factors> f = GradientFactors.capture(model,
                    GradientFactors.encode(model, REQUESTS), points);
            Map<EditPoint, float[]> want = autogradOfWeights(model, points);
            for (EditPoint p : points) {
                float[] got = outer(f.get(p), p);
                assertClose(want.get(p), got, 1e-4);
            }
        }
    }

    @Test
    void anUntrainedEditorIsAScaledFineTuningStep() {
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 12, CharTokenizer.INSTANCE)) {
            List<EditPoint> points = List.of(model.architecture().editPoint(0), model.architecture().editPoint(2));
            double lr = 0.25;
            MendNetwork net = MendNetwork.create(points, 8, 1, false, lr, model.baseHash(), model.name(), 3);
            Map<EditPoint, GradientFactors.Factors> f = GradientFactors.capture(model,
                    GradientFactors.encode(model, REQUESTS), points);
            Map<EditPoint, float[]> grad = autogradOfWeights(model, points);
            try (NDManager nd = model.manager().newSubManager()) {
                MendNetwork.Bound bound = net.bind(nd, false);
                for (EditPoint p : points) {
                    GradientFactors.Factors fp = f.get(p);
                    NDArray delta = bound.delta(p, nd.create(fp.x(), new Shape(fp.tokens(), p.inFeatures())),
                            nd.create(fp.delta(), new Shape(fp.tokens(), p.outFeatures())));
                    float[] want = grad.get(p).clone();
                    for (int i = 0; i < want.length; i++) {
                        want[i] *= (float) -lr;
                    }
                    assertClose(want, delta.toFloatArray(), 1e-4);
                }
            }
        }
    }

    @Test
    void aWeightOffsetActsAsAddingItToTheWeight() {
        try (Transformer model = TinyModels.random(TinyModels.gpt2(), 13, CharTokenizer.INSTANCE)) {
            EditPoint p = model.architecture().editPoint(1);
            java.util.Random r = new java.util.Random(5);
            float[] d = GradientTransformTest.gaussian(r, p.outFeatures() * p.inFeatures(), 0.05, 0);
            List<int[]> tokens = List.of(CharTokenizer.INSTANCE.encode("an offset test", false));
            float[] withOffset;
            try (NDManager nd = model.manager().newSubManager();
                 ForwardResult res = model.forward(ForwardRequest.builder(tokens)
                         .offset(new WeightOffset(p.layer(), nd.create(d, new Shape(p.outFeatures(), p.inFeatures()))))
                         .build())) {
                withOffset = res.logits().toFloatArray();
            }
            dev.amend.spi.edit.WeightDelta delta = new dev.amend.spi.edit.WeightDelta.Dense(p.weight(), p.outFeatures(),
                    p.inFeatures(), d);
            model.addToWeight(delta);
            try (ForwardResult res = model.forward(ForwardRequest.of(tokens))) {
                assertClose(res.logits().toFloatArray(), withOffset, 1e-5);
            } finally {
                model.addToWeight(delta.negate());
            }
        }
    }

    /** Returns ∂L/∂W [out, in] of each weight by autograd through a zero weight offset. */
    private static Map<EditPoint, float[]> autogradOfWeights(Transformer model, List<EditPoint> points) {
        List<GradientFactors.Sequence> seqs = GradientFactors.encode(model, REQUESTS);
        Map<EditPoint, float[]> out = new java.util.LinkedHashMap<>();
        try (NDManager nd = model.manager().newSubManager()) {
            ForwardRequest.Builder req = ForwardRequest.builder(seqs.stream().map(GradientFactors.Sequence::input).toList())
                    .gradients(true);
            Map<EditPoint, NDArray> offsets = new java.util.LinkedHashMap<>();
            for (EditPoint p : points) {
                NDArray z = nd.zeros(new Shape(p.outFeatures(), p.inFeatures()));
                z.setRequiresGradient(true);
                offsets.put(p, z);
                req.offset(new WeightOffset(p.layer(), z));
            }
            try (GradientCollector gc = nd.getEngine().newGradientCollector();
                 ForwardResult r = model.forward(req.build())) {
                NDArray logp = r.logits().logSoftmax(-1);
                NDArray loss = null;
                for (int i = 0; i < seqs.size(); i++) {
                    GradientFactors.Sequence s = seqs.get(i);
                    for (int j = 0; j < s.target().length; j++) {
                        // a constant on a gradient path goes through Scalars (DJL's div(Number) can free it before
                        // backward reads it, which gave an all-zero or wrong gradient now and then)
                        NDArray term = Scalars.div(logp.get(i).get(s.prompt().length - 1 + j).get(s.target()[j])
                                .neg(), s.target().length);
                        loss = loss == null ? term : loss.add(term);
                    }
                }
                gc.backward(loss);
                for (EditPoint p : points) {
                    out.put(p, offsets.get(p).getGradient().toFloatArray());
                }
            }
        }
        return out;
    }

    /** Σ_tokens δ xᵀ in doubles. */
    private static float[] outer(GradientFactors.Factors f, EditPoint p) {
        int in = p.inFeatures();
        int o = p.outFeatures();
        float[] g = new float[o * in];
        for (int i = 0; i < o; i++) {
            for (int j = 0; j < in; j++) {
                double s = 0;
                for (int t = 0; t < f.tokens(); t++) {
                    s += (double) f.delta()[t * o + i] * f.x()[t * in + j];
                }
                g[i * in + j] = (float) s;
            }
        }
        return g;
    }

    static void assertClose(float[] want, float[] got, double tol) {
        assertEquals(want.length, got.length);
        double scale = 0;
        double err = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        assertTrue(scale > 0, "the reference is all zero");
        assertTrue(err <= tol * Math.max(1, scale), "max error " + err + " (scale " + scale + ")");
    }
}
