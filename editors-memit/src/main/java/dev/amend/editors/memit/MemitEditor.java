package dev.amend.editors.memit;

import dev.amend.kit.ConditionRestraint;
import dev.amend.kit.DistributedInsertion;
import dev.amend.kit.LayerStatistics;
import dev.amend.kit.linalg.LeastSquares;
import dev.amend.kit.linalg.LinearAlgebra;
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
 * MEMIT: targets on the residual stream after the last edit layer, spread over the edit layers with
 * ΔW = R Kᵀ (λC + K Kᵀ)⁻¹. Also offers {@link KeyValueInsertion} (values given at chosen tokens, other
 * tokens of the same sequences as preserved keys) for AnyEdit.
 */
final class MemitEditor implements Editor, KeyValueInsertion {
    private final MemitHyperparameters h;

    MemitEditor(MemitHyperparameters h) {
        this.h = h;
    }

    @Override
    public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext ctx) {
        long t0 = System.nanoTime();
        Map<Integer, LayerStatistics.Moment> stats = statistics(model, ctx);
        long t1 = System.nanoTime();
        DistributedInsertion.Result r = DistributedInsertion.run(model, requests, ctx,
                DistributedInsertion.Settings.of(h), solver(model, stats));
        return edit(model, ctx, requests, r, stats, (t1 - t0) / 1e9);
    }

    @Override
    public int valueLayer() {
        return h.layers().get(h.layers().size() - 1);
    }

    @Override
    public Edit insert(EditableModel model, List<EditRequest> requests, List<Sequence> sequences, EditContext ctx) {
        long t0 = System.nanoTime();
        Map<Integer, LayerStatistics.Moment> stats = statistics(model, ctx);
        long t1 = System.nanoTime();
        DistributedInsertion.Result r = DistributedInsertion.insertAtPositions(model, sequences, ctx, h.layers(),
                solver(model, stats));
        return edit(model, ctx, requests, r, stats, (t1 - t0) / 1e9);
    }

    private Map<Integer, LayerStatistics.Moment> statistics(EditableModel model, EditContext ctx) {
        return LayerStatistics.collect(model, h.layers(), ctx.requireCorpus(),
                LayerStatistics.Sample.texts(h.mom2NSamples()), ctx.cacheDir(), ctx.progress());
    }

    private DistributedInsertion.LayerSolver solver(EditableModel model, Map<Integer, LayerStatistics.Moment> stats) {
        int d = model.architecture().hiddenSize();
        int dff = model.architecture().intermediateSize();
        LinearAlgebra linalg = LinearAlgebra.forModel(model);
        return (layer, keys, residuals, n) -> LeastSquares.memit(keys, residuals, stats.get(layer).secondMoment(),
                dff, d, n, h.mom2UpdateWeight(), linalg);
    }

    private Edit edit(EditableModel model, EditContext ctx, List<EditRequest> requests, DistributedInsertion.Result r,
                      Map<Integer, LayerStatistics.Moment> stats, double statisticsSeconds) {
        Map<String, Object> meta = new LinkedHashMap<>(r.metadata());
        meta.put("seconds_statistics", statisticsSeconds);
        meta.putAll(LayerStatistics.describe(stats, h.mom2NSamples()));
        return new Edit("memit", MemitProvider.VERSION, requests, HyperparameterBinder.toMap(h), r.templates(),
                ConditionRestraint.applyIf(h.pruneRestraint(), model, r.deltas(), ctx.history(), meta), meta);
    }
}
