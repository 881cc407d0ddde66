package dev.amend.editors.wise;

import ai.djl.ndarray.NDManager;
import dev.amend.kit.ContextTemplates;
import dev.amend.spi.Editor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * WISE, request by request: each request is the next edit at the side memory's block; it trains its shard (the
 * shard's mask comes from the shard's first edit, or is drawn anew from the context's seed) starting from the
 * shard's change so far, and becomes one {@link SideMemoryKind} adapter holding what it added at the mask's entries.
 * Context templates as EasyEdit's WISE ({@code [[5, 5], [10, 5]]}: the bare prompt and ten generated prefixes),
 * seeded by the context. The model is left as it was found.
 */
final class WiseEditor implements Editor {
    /** EasyEdit's WISE context templates: five of 5 tokens and five of 10, and the bare prompt. */
    static final List<List<Integer>> TEMPLATE_LENGTHS = List.of(List.of(5, 5), List.of(10, 5));

    private final WiseHyperparameters h;

    WiseEditor(WiseHyperparameters h) {
        this.h = h;
    }

    @Override
    public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext ctx) {
        List<String> problems = h.problems(model.architecture());
        if (!problems.isEmpty()) {
            throw new InvalidRequestException("WISE hyperparameters: " + String.join("; ", problems));
        }
        int layer = h.layer(model.architecture());
        int rows = model.architecture().hiddenSize();
        int columns = model.architecture().intermediateSize();
        List<Adapter> made = new ArrayList<>();
        List<Map<String, Object>> perRequest = new ArrayList<>();
        List<String> templates;
        long t0 = System.nanoTime();
        try (DetachedSideMemory detached = new DetachedSideMemory(model, layer);
             NDManager nd = model.manager().newSubManager()) {
            templates = ContextTemplates.memit(model, TEMPLATE_LENGTHS, ctx.seed()).flat();
            for (int i = 0; i < requests.size(); i++) {
                ctx.checkCancelled();
                ctx.progress().progress("wise", i, requests.size());
                List<Contribution> before = new ArrayList<>();
                detached.memory().forEach(a -> before.add(Contribution.of(a)));
                made.forEach(a -> before.add(Contribution.of(a)));
                int ordinal = before.stream().mapToInt(Contribution::ordinal).max().orElse(-1) + 1;
                int shard = ordinal / h.saveFreq();
                long seed = before.stream().filter(c -> sameShard(c, shard)).mapToLong(Contribution::maskSeed)
                        .findFirst().orElse(ShardMask.shardSeed(ctx.seed(), shard));
                int[] entries = ShardMask.cached(seed, h.maskRatio(), rows * columns);
                float[] change = new float[rows * columns];
                before.stream().filter(c -> sameShard(c, shard) && c.maskSeed() == seed)
                        .forEach(c -> ShardMask.scatterAdd(change, c.entries(), c.values()));
                try (NDManager step = nd.newSubManager()) {
                    TrainingRows constants = TrainingRows.of(model, layer, requests.get(i), templates, step);
                    SideMemoryTraining.Outcome o = new SideMemoryTraining(model, h, constants, change, entries, step)
                            .train();
                    Contribution c = new Contribution(rows, columns, ordinal, h.saveFreq(), h.mergeFreq(), seed,
                            h.maskRatio(), o.values(), o.leastScore(), h.actRatio(), h.mergeAlg(), h.densities(),
                            h.weights(), h.retrieve());
                    made.add(Adapter.of(SideMemoryKind.KIND, layer, c.state()));
                    perRequest.add(record(requests.get(i), ordinal, shard, o));
                }
            }
            ctx.progress().progress("wise", requests.size(), requests.size());
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("layer", layer);
        meta.put("side_memory_module", model.architecture().editPoint(layer).module());
        meta.put("context_templates", templates);
        meta.put("requests", perRequest);
        meta.put("seconds_optimisation", (System.nanoTime() - t0) / 1e9);
        return new Edit("wise", WiseProvider.VERSION, requests, HyperparameterBinder.toMap(h), List.of(),
                List.of(), meta, made);
    }

    /** Returns true when {@code c} trained shard {@code shard} of this editor's shard size. */
    private boolean sameShard(Contribution c, int shard) {
        return c.saveFreq() == h.saveFreq() && c.shard() == shard;
    }

    private static Map<String, Object> record(EditRequest r, int ordinal, int shard, SideMemoryTraining.Outcome o) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("subject", r.subject());
        info.put("ordinal", ordinal);
        info.put("shard", shard);
        info.put("losses", o.losses());
        info.put("optimisation_steps", o.steps());
        info.put("final_nll", o.finalNll());
        info.put("least_answer_activation", o.leastScore());
        info.put("mean_answer_activation", o.meanScore());
        info.put("greatest_unrelated_activation", o.unrelatedScore());
        return info;
    }
}
