package dev.amend.editors.alphaedit;

import dev.amend.kit.DeltaOptimizer;
import dev.amend.kit.DistributedInsertion;
import dev.amend.kit.HyperparameterDefaults;
import dev.amend.kit.LayerStatistics;
import dev.amend.kit.Locators;
import dev.amend.kit.linalg.LeastSquares;
import dev.amend.kit.linalg.NullSpaceProjector;
import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.KeyValueInsertion;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ModelArchitecture;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Registers AlphaEdit ({@code alphaedit}) with ServiceLoader. */
public final class AlphaEditProvider implements EditorProvider<AlphaEditHyperparameters> {
    /** The method's version, recorded in every edit. */
    public static final String VERSION = "1.0.0";
    /** Metadata key under which an edit stores its keys per layer (K [d_ff, n], row-major floats). */
    public static final String KEYS = "alphaedit_keys";
    /**
     * Metadata key under which an edit made with {@code preserve_prompt_tokens} stores, per layer, the keys at the
     * other tokens of its bare prompts and targets ([d_ff, m], row-major floats): later edits keep these as well.
     */
    public static final String PROMPT_KEYS = "alphaedit_prompt_keys";

    /** Projectors per model, layer, corpus, sample size and threshold: an eigendecomposition each, kept. */
    private static final Map<String, NullSpaceProjector> PROJECTORS = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "alphaedit";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "AlphaEdit: MEMIT with the update in the null space of preserved keys; sequential edits accumulate keys";
    }

    @Override
    public Class<AlphaEditHyperparameters> hyperparameterType() {
        return AlphaEditHyperparameters.class;
    }

    @Override
    public AlphaEditHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(AlphaEditHyperparameters.class, AlphaEditHyperparameters.BASE,
                AlphaEditProvider.class, "defaults.json", architecture);
    }

    @Override
    public Editor create(AlphaEditHyperparameters h) {
        return new AlphaEditEditor(h);
    }

    /** The editor: plain requests through {@link Editor}, chosen keys and values through {@link KeyValueInsertion}. */
    private static final class AlphaEditEditor implements Editor, KeyValueInsertion {
        private final AlphaEditHyperparameters h;

        AlphaEditEditor(AlphaEditHyperparameters h) {
            this.h = h;
        }

        @Override
        public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext ctx) {
            return edit(h, model, requests, ctx, null);
        }

        @Override
        public int valueLayer() {
            return h.layers().get(h.layers().size() - 1);
        }

        @Override
        public Edit insert(EditableModel model, List<EditRequest> requests, List<Sequence> sequences,
                           EditContext ctx) {
            return edit(h, model, requests, ctx, sequences);
        }
    }

    /** Edits {@code requests}, or inserts the values of {@code sequences} at their positions when not null. */
    private static Edit edit(AlphaEditHyperparameters h, EditableModel model, List<EditRequest> requests,
                             EditContext ctx, List<KeyValueInsertion.Sequence> sequences) {
        long t0 = System.nanoTime();
        Map<Integer, LayerStatistics.Moment> stats = LayerStatistics.collect(model, h.layers(), ctx.requireCorpus(),
                h.mom2NSamples(), ctx.cacheDir(), ctx.progress());
        Map<Integer, NullSpaceProjector> projectors = new LinkedHashMap<>();
        for (int layer : h.layers()) {
            LayerStatistics.Moment m = stats.get(layer);
            String key = model.baseHash() + "|" + layer + "|" + ctx.requireCorpus().sha256() + "|" + h.mom2NSamples()
                    + "|" + h.nullspaceThreshold();
            projectors.put(layer, PROJECTORS.computeIfAbsent(key,
                    k -> NullSpaceProjector.of(m.secondMoment(), m.dim(), h.nullspaceThreshold())));
        }
        Map<Integer, double[]> previous = PreviousKeys.projectedGram(ctx.history(), projectors);
        long t1 = System.nanoTime();
        int d = model.architecture().hiddenSize();
        DistributedInsertion.LayerSolver solver = (layer, keys, residuals, n) -> LeastSquares.alphaEditProjected(
                projectors.get(layer), keys, residuals, previous.get(layer), d, n, h.l2());
        DistributedInsertion.Result r = sequences != null
                ? DistributedInsertion.insertAtPositions(model, sequences, ctx, h.layers(), solver)
                : DistributedInsertion.run(model, requests, ctx,
                        new DistributedInsertion.Settings(h.layers(), Locators.named(h.factToken()),
                                new DeltaOptimizer.Settings(h.vNumGradSteps(), h.vLr(), h.vWeightDecay(),
                                        h.clampNormFactor(), h.klFactor(), h.earlyStopLoss()),
                                h.contextTemplateLengthParams(), h.preservePromptTokens(),
                                h.insertionPasses()),
                        solver);
        Map<String, Object> meta = new LinkedHashMap<>(r.metadata());
        meta.put("seconds_statistics", (t1 - t0) / 1e9);
        Map<String, Integer> ranks = new LinkedHashMap<>();
        projectors.forEach((l, p) -> ranks.put(String.valueOf(l), p.rank()));
        meta.put("nullspace_rank_per_layer", ranks);
        Map<String, Double> energies = new LinkedHashMap<>();
        projectors.forEach((l, p) -> energies.put(String.valueOf(l), p.energy()));
        meta.put("nullspace_energy_per_layer", energies);   // near 0 when the null space is real
        meta.put("previous_edits", ctx.history().size());
        meta.put(KEYS, perLayerFloats(r.keys()));
        if (!r.promptKeys().isEmpty()) {
            meta.put(PROMPT_KEYS, perLayerFloats(r.promptKeys()));
        }
        meta.put("keys_per_layer", r.keys().isEmpty() ? 0 : r.keys().values().iterator().next().length
                / model.architecture().intermediateSize());
        return new Edit("alphaedit", VERSION, requests, HyperparameterBinder.toMap(h), r.templates(), r.deltas(), meta);
    }

    /** Returns layer → keys as the metadata stores them: the layer as a string, the keys as floats. */
    private static Map<String, float[]> perLayerFloats(Map<Integer, double[]> keys) {
        Map<String, float[]> out = new LinkedHashMap<>();
        keys.forEach((l, k) -> out.put(String.valueOf(l), Vectors.toFloats(k)));
        return out;
    }
}
