package dev.amend.editors.mend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amend.kit.GradientFactors;
import dev.amend.spi.Editor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MEND's edit: one forward and backward pass of the edit loss gives each edited weight's per-token factors
 * (input x, output gradient δ); the trained transform maps them to x̃, δ̃ and the update is
 * ΔW = −lr Σ_tokens δ̃ x̃ᵀ, returned as low-rank factors (rank = tokens) or dense when that is smaller. No
 * per-edit optimisation: an edit costs one backward pass and a few small matrix products.
 */
public final class MendEditor implements Editor {
    /** Class-path folder of the editor shipped for the demo model. */
    public static final String SHIPPED = "dev/amend/editors/mend/demo/";

    private final MendHyperparameters h;
    private MendNetwork network;
    private String networkKey;

    /** Returns an editor configured with {@code h}. */
    public MendEditor(MendHyperparameters h) {
        this.h = h;
    }

    /** Returns the trained editor this configuration uses for {@code model}, loading it once. */
    public synchronized MendNetwork network(EditableModel model) {
        String location = h.editorLocation();
        String key = location.isBlank() ? "shipped:" + model.baseHash() : "path:" + location;
        if (network != null && key.equals(networkKey)) {
            return network;
        }
        MendNetwork net;
        if (!location.isBlank()) {
            net = MendNetwork.load(Path.of(location), model.manager());
            if (!net.modelBaseHash().equals(model.baseHash())) {
                throw new InvalidRequestException("the MEND editor at " + location + " was trained for a model with base"
                        + " hash " + shortHash(net.modelBaseHash()) + " (" + net.modelName() + "), not for "
                        + model.name() + " (" + shortHash(model.baseHash()) + "); "
                        + "train one for this model with `./amend train-mend --model PATH --out DIR`");
            }
        } else {
            String shippedHash = shippedHash();
            if (shippedHash == null || !shippedHash.equals(model.baseHash())) {
                throw new InvalidRequestException("no trained MEND editor for model " + model.name() + " (base hash "
                        + shortHash(model.baseHash()) + "): MEND needs an editor trained for each model and the"
                        + " project ships one for the demo model only; " + MendNetwork.howToTrain());
            }
            net = MendNetwork.loadResource(SHIPPED, model.manager());
        }
        List<String> problems = net.mismatches(model.architecture());
        if (!problems.isEmpty()) {
            throw new InvalidRequestException("the MEND editor does not fit model " + model.name() + ": "
                    + String.join("; ", problems));
        }
        if (!h.innerParams().isEmpty()) {
            List<EditPoint> asked = h.editPoints(model.architecture());
            if (!asked.equals(net.points())) {
                throw new InvalidRequestException("inner_params " + h.innerParams() + " differ from the weights the"
                        + " MEND editor was trained for " + net.points().stream().map(EditPoint::weight).toList()
                        + ": leave inner_params out or train an editor for them");
            }
        }
        network = net;
        networkKey = key;
        return net;
    }

    /** Returns the base hash of the model the shipped editor was trained for, or null when none is shipped. */
    static String shippedHash() {
        try (InputStream in = MendEditor.class.getClassLoader().getResourceAsStream(SHIPPED + MendNetwork.CONFIG_FILE)) {
            return in == null ? null : MendNetwork.recordedHash(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String shortHash(String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) : hash;
    }

    @Override
    public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext context) {
        if (requests.isEmpty()) {
            throw new InvalidRequestException("no edit requests given");
        }
        long t0 = System.nanoTime();
        MendNetwork net = network(model);
        long t1 = System.nanoTime();
        context.checkCancelled();
        List<GradientFactors.Sequence> seqs = GradientFactors.encode(model, requests);
        Map<EditPoint, GradientFactors.Factors> factors = GradientFactors.capture(model, seqs, net.points());
        long t2 = System.nanoTime();
        List<WeightDelta> deltas = new ArrayList<>();
        int tokens = 0;
        try (NDManager nd = model.manager().newSubManager()) {
            MendNetwork.Bound bound = net.bind(nd, false);
            for (EditPoint p : net.points()) {
                GradientFactors.Factors f = factors.get(p);
                int n = f.tokens();
                tokens = Math.max(tokens, n);
                if (n == 0) {
                    continue;
                }
                NDArray x = nd.create(f.x(), new Shape(n, p.inFeatures()));
                NDArray d = nd.create(f.delta(), new Shape(n, p.outFeatures()));
                NDList uv = bound.factors(p, x, d);
                deltas.add(toDelta(p, n, uv.get(0).toFloatArray(), uv.get(1).toFloatArray()));
            }
        }
        if (deltas.isEmpty()) {
            throw new InvalidRequestException("the edit loss has no gradient at the edited weights: the target does not"
                    + " depend on them");
        }
        long t3 = System.nanoTime();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("seconds_statistics", (t1 - t0) / 1e9);
        meta.put("seconds_optimisation", (t2 - t1) / 1e9);
        meta.put("seconds_insertion", (t3 - t2) / 1e9);
        meta.put("tokens", tokens);
        meta.put("editor", h.editorLocation().isBlank() ? "shipped (" + SHIPPED + ")" : h.editorLocation());
        meta.put("editor_model_base_hash", net.modelBaseHash());
        return new Edit("mend", MendProvider.VERSION, requests, HyperparameterBinder.toMap(h), List.of(), deltas, meta);
    }

    /** Returns ΔW = U Vᵀ as low-rank factors (U [out, n], V [in, n]), or dense when that stores fewer floats. */
    static WeightDelta toDelta(EditPoint p, int n, float[] u, float[] v) {
        WeightDelta.LowRank lr = new WeightDelta.LowRank(p.weight(), p.outFeatures(), p.inFeatures(), n, u, v);
        if ((long) n * (p.outFeatures() + p.inFeatures()) <= (long) p.outFeatures() * p.inFeatures()) {
            return lr;
        }
        return new WeightDelta.Dense(p.weight(), p.outFeatures(), p.inFeatures(), lr.toDense());
    }
}
