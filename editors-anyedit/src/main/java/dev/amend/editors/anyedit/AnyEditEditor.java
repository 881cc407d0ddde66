package dev.amend.editors.anyedit;

import dev.amend.kit.DeltaOptimizer;
import dev.amend.kit.TargetTokens;
import dev.amend.kit.WeightSnapshot;
import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.Editor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.KeyValueInsertion;
import dev.amend.spi.edit.Chunk;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * AnyEdit over a base editor. The target of each request is cut into chunks; chunk j is written at the
 * key token just before it (the last token of the prompt and the target before the chunk; with overlapping
 * windows a chunk starts inside the one before, as in AnyEdit's code).
 *
 * <ul>
 * <li><b>Joint</b> (the base offers {@link KeyValueInsertion}): δ_j on the residual stream after the
 * base's last edit layer is optimised so the model emits chunk j after the prompt and the target before it,
 * with δ_0..δ_{j−1} added at their own key tokens and held fixed; then all chunk values go into one
 * update of the base method, the other tokens of the sequence as preserved keys.</li>
 * <li><b>Sequential</b> (any other editor): one base edit per chunk, prompt = the request's prompt and
 * the target before the chunk, target = the chunk, subject = the last word before the chunk (so the subject's
 * last token is the key token); each chunk edit is applied while the next is computed, and the weights
 * they touched are restored exactly (from snapshots taken before the first change) before returning.</li>
 * </ul>
 * The returned edit holds all deltas (applied whole or not at all); the model is unchanged afterwards.
 */
final class AnyEditEditor implements Editor {
    private final Editor base;
    private final String baseName;
    private final AnyEditHyperparameters h;

    AnyEditEditor(Editor base, String baseName, AnyEditHyperparameters h) {
        this.base = base;
        this.baseName = baseName;
        this.h = h;
    }

    /** Returns true when this editor writes all chunks in one key-value insertion. */
    boolean joint() {
        String m = h.mode().toLowerCase(Locale.ROOT);
        if (m.equals("joint") && !(base instanceof KeyValueInsertion)) {
            throw new InvalidRequestException("anyedit mode joint needs a base method that offers key-value "
                    + "insertion (memit, alphaedit); " + baseName + " does not: use mode sequential or auto");
        }
        return !m.equals("sequential") && base instanceof KeyValueInsertion;
    }

    @Override
    public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext ctx) {
        if (requests.isEmpty()) {
            throw new InvalidRequestException("no requests to edit");
        }
        List<Planned> plans = new ArrayList<>();
        for (EditRequest r : requests) {
            plans.add(plan(model, r));
        }
        return joint() ? editJointly(model, requests, plans, ctx) : editSequentially(model, requests, plans, ctx);
    }

    /** A request with its prompt ids, target tokens and chunks. */
    private record Planned(EditRequest request, String prompt, int[] promptIds, TargetTokens target,
                           List<Chunk> chunks) {
        int[] full() {
            int[] all = Arrays.copyOf(promptIds, promptIds.length + target.size());
            System.arraycopy(target.ids(), 0, all, promptIds.length, target.size());
            return all;
        }
    }

    private Planned plan(EditableModel model, EditRequest r) {
        String prompt = r.filledPrompt();
        int[] promptIds = model.tokenizer().encode(prompt, true);
        TargetTokens target = TargetTokens.of(model.tokenizer(), prompt, r.target());
        int ctxLen = model.architecture().maxContext();
        if (promptIds.length + target.size() > ctxLen) {
            throw new InvalidRequestException("the prompt (" + promptIds.length + " tokens) and the target ("
                    + target.size() + " tokens) are longer than the model's context of " + ctxLen
                    + " tokens: shorten the target");
        }
        List<Chunk> chunks = h.newChunker().chunk(model.tokenizer(), prompt, r.target());
        return new Planned(r, prompt, promptIds, target, chunks);
    }

    // ------------------------------------------------------------------------------------------ joint

    private Edit editJointly(EditableModel model, List<EditRequest> requests, List<Planned> plans, EditContext ctx) {
        KeyValueInsertion kv = (KeyValueInsertion) base;
        int layer = kv.valueLayer();
        long t0 = System.nanoTime();
        DeltaOptimizer.Settings settings = new DeltaOptimizer.Settings(h.vNumGradSteps(), h.vLr(), h.vWeightDecay(),
                h.clampNormFactor(), 0, h.earlyStopLoss(), h.vLossLayer());
        int nonFinite = 0;
        List<KeyValueInsertion.Sequence> sequences = new ArrayList<>();
        List<Map<String, Object>> chunkInfo = new ArrayList<>();
        int total = plans.stream().mapToInt(p -> p.chunks().size()).sum();
        int done = 0;
        for (Planned p : plans) {
            int[] full = p.full();
            int n = p.chunks().size();
            int[] positions = new int[n];
            double[][] values = new double[n][];
            List<DeltaOptimizer.Fixed> fixed = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                ctx.checkCancelled();
                ctx.progress().progress("anyedit chunk values", done++, total);
                Chunk c = p.chunks().get(j);
                int start = p.promptIds().length + c.tokenStart();
                int keyPos = start - 1;
                int[] prefix = Arrays.copyOf(full, start);
                int[] target = Arrays.copyOfRange(full, start, p.promptIds().length + c.tokenEnd());
                DeltaOptimizer.Outcome o = DeltaOptimizer.optimise(model, new DeltaOptimizer.Problem(layer,
                        Site.LAYER_OUTPUT, List.of(DeltaOptimizer.Row.rewrite(prefix, keyPos, target)), 0, fixed),
                        settings, ctx::checkCancelled);
                positions[j] = keyPos;
                values[j] = o.target();
                fixed.add(new DeltaOptimizer.Fixed(o.delta(), new int[] {keyPos}));
                chunkInfo.add(chunkRecord(c, keyPos, o));
                nonFinite += o.stoppedOnNonFinite() ? 1 : 0;
            }
            sequences.add(new KeyValueInsertion.Sequence(full, positions, values, h.preserveOthers()));
        }
        ctx.progress().progress("anyedit chunk values", total, total);
        long t1 = System.nanoTime();
        Edit inner = kv.insert(model, requests, sequences, ctx);
        long t2 = System.nanoTime();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("mode", "joint");
        meta.put("base", baseName);
        meta.put("value_layer", layer);
        meta.put("chunker", h.newChunker().toString());
        meta.put("chunks", chunkInfo);
        meta.put("non_finite_steps", nonFinite);
        meta.put("seconds_optimisation", (t1 - t0) / 1e9);
        meta.put("seconds_insertion", (t2 - t1) / 1e9);
        meta.put("base_metadata", inner.metadata());
        return new Edit("anyedit+" + baseName, AnyEditProvider.VERSION, requests, hyperparameters(inner),
                inner.contextTemplates(), inner.deltas(), meta);
    }

    private static Map<String, Object> chunkRecord(Chunk c, int keyPos, DeltaOptimizer.Outcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", List.of(c.tokenStart(), c.tokenEnd()));
        m.put("key_position", keyPos);
        m.put("loss_first", o.losses().isEmpty() ? Double.NaN : o.losses().get(0));
        m.put("loss_last", o.losses().isEmpty() ? Double.NaN : o.losses().get(o.losses().size() - 1));
        m.put("steps", o.steps());
        m.put("stopped_on_non_finite", o.stoppedOnNonFinite());
        m.put("delta_norm", Vectors.norm(o.delta()));
        return m;
    }

    // ------------------------------------------------------------------------------------- sequential

    private Edit editSequentially(EditableModel model, List<EditRequest> requests, List<Planned> plans,
                                  EditContext ctx) {
        long t0 = System.nanoTime();
        List<Edit> applied = new ArrayList<>();
        List<WeightSnapshot> snapshots = new ArrayList<>();
        java.util.Set<String> saved = new java.util.HashSet<>();
        List<Map<String, Object>> chunkInfo = new ArrayList<>();
        List<String> templates = new ArrayList<>();
        int total = plans.stream().mapToInt(p -> withoutBlankChunks(p.target(), p.chunks()).size()).sum();
        int done = 0;
        try {
            for (Planned p : plans) {
                for (Chunk c : withoutBlankChunks(p.target(), p.chunks())) {
                    ctx.checkCancelled();
                    ctx.progress().progress("anyedit chunk edits", done, total);
                    // the prompt and the target up to the chunk (an overlapping window starts inside the one before)
                    EditRequest chunkRequest = chunkRequest(p.prompt() + p.target().textBefore(c.tokenStart()),
                            c.text());
                    Edit e = base.computeEdit(model, List.of(chunkRequest), ctx.withSeed(ctx.seed() + done));
                    List<String> fresh = new ArrayList<>();
                    for (WeightDelta d : e.deltas()) {
                        if (saved.add(d.weight())) {
                            fresh.add(d.weight());
                        }
                    }
                    snapshots.add(WeightSnapshot.of(model, fresh)); // the values before any chunk edit touched them
                    e.applyTo(model);
                    applied.add(e);
                    done++;
                    Map<String, Object> info = new LinkedHashMap<>();
                    info.put("tokens", List.of(c.tokenStart(), c.tokenEnd()));
                    info.put("subject", chunkRequest.subject());
                    chunkInfo.add(info);
                    if (templates.isEmpty()) {
                        templates.addAll(e.contextTemplates());
                    }
                }
            }
        } finally {
            for (WeightSnapshot snapshot : snapshots) {
                snapshot.restore();
                snapshot.close();
            }
        }
        ctx.progress().progress("anyedit chunk edits", total, total);
        List<WeightDelta> deltas = new ArrayList<>();
        for (Edit e : applied) {
            deltas.addAll(e.deltas());
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("mode", "sequential");
        meta.put("base", baseName);
        meta.put("chunker", h.newChunker().toString());
        meta.put("chunks", chunkInfo);
        meta.put("seconds_edits", (System.nanoTime() - t0) / 1e9);
        List<Object> baseMeta = new ArrayList<>();
        int nonFinite = 0;
        for (Edit e : applied) {
            baseMeta.add(e.metadata());
            nonFinite += e.metadata().get("non_finite_steps") instanceof Number n ? n.intValue() : 0;
        }
        meta.put("non_finite_steps", nonFinite);
        meta.put("base_metadata", baseMeta);
        return new Edit("anyedit+" + baseName, AnyEditProvider.VERSION, requests,
                hyperparameters(applied.isEmpty() ? null : applied.get(0)), templates, deltas, meta);
    }

    /**
     * Returns {@code chunks} of {@code target} with every whitespace-only chunk (e.g. a lone space or newline token)
     * joined to the chunk after it (the last to the one before): a request's target may not be blank.
     */
    static List<Chunk> withoutBlankChunks(TargetTokens target, List<Chunk> chunks) {
        List<Chunk> out = new ArrayList<>();
        Chunk pending = null;
        for (Chunk c : chunks) {
            Chunk cur = pending == null ? c : target.chunk(pending.tokenStart(), c.tokenEnd());
            if (cur.text().isBlank()) {
                pending = cur;
            } else {
                out.add(cur);
                pending = null;
            }
        }
        if (pending != null) {
            if (out.isEmpty()) {
                throw new InvalidRequestException("the target is blank: give a target with text");
            }
            Chunk last = out.remove(out.size() - 1);
            out.add(target.chunk(last.tokenStart(), pending.tokenEnd()));
        }
        return out;
    }

    /**
     * Returns the base request for a chunk: the text before it as the prompt, the chunk as the target, and
     * the last word of the prompt as the subject (its last token is the key token). A literal {@code {}}
     * in the text before becomes {@code { }} because a request marks its subject with {@code {}}.
     */
    static EditRequest chunkRequest(String before, String chunk) {
        String text = before.replace("{}", "{ }");
        int end = text.length();
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        int start = end;
        while (start > 0 && !Character.isWhitespace(text.charAt(start - 1))) {
            start--;
        }
        if (start == end) {
            throw new InvalidRequestException("the prompt before a chunk has no word to act as its subject");
        }
        String template = text.substring(0, start) + "{}" + text.substring(end);
        return new EditRequest(template, text.substring(start, end), chunk, List.of());
    }

    private Map<String, Object> hyperparameters(Edit inner) {
        Map<String, Object> m = new LinkedHashMap<>(HyperparameterBinder.toMap(h));
        if (inner != null) {
            m.put("base", inner.hyperparameters());
        }
        return m;
    }
}
