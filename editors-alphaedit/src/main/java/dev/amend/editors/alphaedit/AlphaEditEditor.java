package dev.amend.editors.alphaedit;

import dev.amend.kit.ConditionRestraint;
import dev.amend.kit.DistributedInsertion;
import dev.amend.kit.LayerStatistics;
import dev.amend.kit.linalg.LinearAlgebra;
import dev.amend.kit.linalg.ProjectedLeastSquares;
import dev.amend.kit.linalg.NullSpaceProjector;
import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.Editor;
import dev.amend.spi.KeyValueInsertion;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditableModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AlphaEdit: MEMIT's targets and layer loop, with each layer's update solved in the null space of the preserved
 * keys, (P (K Kᵀ + K_p K_pᵀ) + α I) X = P K Rᵀ, P from the layer statistics and K_p the keys of the AlphaEdit
 * edits already applied. Plain requests come through {@link Editor}, chosen keys and values (AnyEdit's chunks)
 * through {@link KeyValueInsertion}.
 */
final class AlphaEditEditor implements Editor, KeyValueInsertion {
    /** Projectors per model, layer, corpus sample and threshold. */
    private static final ProjectorCache PROJECTORS = new ProjectorCache(ProjectorCache.BUDGET_DOUBLES);

    private final AlphaEditHyperparameters h;

    AlphaEditEditor(AlphaEditHyperparameters h) {
        this.h = h;
    }

    @Override
    public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext ctx) {
        return edit(model, requests, ctx, null);
    }

    @Override
    public int valueLayer() {
        return h.layers().get(h.layers().size() - 1);
    }

    @Override
    public Edit insert(EditableModel model, List<EditRequest> requests, List<Sequence> sequences, EditContext ctx) {
        return edit(model, requests, ctx, sequences);
    }

    /** Edits {@code requests}, or inserts the values of {@code sequences} at their positions when not null. */
    private Edit edit(EditableModel model, List<EditRequest> requests, EditContext ctx, List<Sequence> sequences) {
        long t0 = System.nanoTime();
        Map<Integer, LayerStatistics.Moment> stats = LayerStatistics.collect(model, h.layers(), ctx.requireCorpus(),
                LayerStatistics.Sample.texts(h.mom2NSamples()), ctx.cacheDir(), ctx.progress());
        long tStats = System.nanoTime();
        LinearAlgebra linalg = LinearAlgebra.forModel(model);
        Map<Integer, NullSpaceProjector> projectors = projectors(model, ctx, stats, linalg);
        Map<Integer, double[]> previous = PreviousKeys.projectedGram(ctx.history(), projectors);
        long t1 = System.nanoTime();
        int d = model.architecture().hiddenSize();
        DistributedInsertion.LayerSolver solver = (layer, keys, residuals, n) ->
                ProjectedLeastSquares.alphaEditProjected(projectors.get(layer), keys, residuals, previous.get(layer),
                        d, n, h.l2(), linalg);
        DistributedInsertion.Result r = sequences != null
                ? DistributedInsertion.insertAtPositions(model, sequences, ctx, h.layers(), solver)
                : DistributedInsertion.run(model, requests, ctx, DistributedInsertion.Settings.of(h), solver);
        Map<String, Object> meta = new LinkedHashMap<>(r.metadata());
        meta.put("seconds_statistics", (tStats - t0) / 1e9);
        meta.put("seconds_projector", (t1 - tStats) / 1e9);   // null-space projectors (cached across edits) and K_p
        meta.putAll(LayerStatistics.describe(stats, h.mom2NSamples()));
        Map<String, Integer> ranks = new LinkedHashMap<>();
        projectors.forEach((l, p) -> ranks.put(String.valueOf(l), p.rank()));
        meta.put("nullspace_rank_per_layer", ranks);
        Map<String, Double> energies = new LinkedHashMap<>();
        projectors.forEach((l, p) -> energies.put(String.valueOf(l), p.energy()));
        meta.put("nullspace_energy_per_layer", energies);   // near 0 when the null space is real
        meta.put("previous_edits", ctx.history().size());
        meta.put(AlphaEditProvider.KEYS, perLayerFloats(r.keys()));
        if (!r.promptKeys().isEmpty()) {
            meta.put(AlphaEditProvider.PROMPT_KEYS, perLayerFloats(r.promptKeys()));
        }
        meta.put("keys_per_layer", r.keys().isEmpty() ? 0 : r.keys().values().iterator().next().length
                / model.architecture().intermediateSize());
        return new Edit("alphaedit", AlphaEditProvider.VERSION, requests, HyperparameterBinder.toMap(h),
                r.templates(), ConditionRestraint.applyIf(h.pruneRestraint(), model, r.deltas(), ctx.history(), meta),
                meta);
    }

    /** Returns each edit layer's projector onto the null space of its statistics, cached across edits. */
    private Map<Integer, NullSpaceProjector> projectors(EditableModel model, EditContext ctx,
                                                        Map<Integer, LayerStatistics.Moment> stats,
                                                        LinearAlgebra linalg) {
        Map<Integer, NullSpaceProjector> projectors = new LinkedHashMap<>();
        for (int layer : h.layers()) {
            LayerStatistics.Moment m = stats.get(layer);
            String key = model.baseHash() + "|" + layer + "|" + ctx.requireCorpus().sha256() + "|" + m.texts() + "|"
                    + m.tokens() + "|" + h.nullspaceThreshold();
            projectors.put(layer, PROJECTORS.get(key,
                    () -> linalg.nullSpace(m.secondMoment(), m.dim(), h.nullspaceThreshold())));
        }
        return projectors;
    }

    /** Returns layer → keys as the metadata stores them: the layer as a string, the keys as floats. */
    private static Map<String, float[]> perLayerFloats(Map<Integer, double[]> keys) {
        Map<String, float[]> out = new LinkedHashMap<>();
        keys.forEach((l, k) -> out.put(String.valueOf(l), Vectors.toFloats(k)));
        return out;
    }
}
