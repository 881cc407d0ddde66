package dev.amend.bench;

import dev.amend.evaluators.longform.Bleu;
import dev.amend.evaluators.longform.Rouge;
import dev.amend.evaluators.longform.SentenceEmbedder;
import dev.amend.kit.TargetTokens;
import dev.amend.runtime.editing.AppliedEdits;
import dev.amend.runtime.editing.ComputedEdit;
import dev.amend.runtime.editing.EditSession;
import dev.amend.spi.Editor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.GenerationRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The long-form benchmark as the AnyEdit paper runs it: each item is edited alone (question → whole
 * answer), the model generates greedily from the question (and its paraphrase) up to 512 new tokens
 * stopping at end-of-text, the generation is scored against the target with ROUGE-1/2/L, BLEU and
 * MiniLM semantic similarity, and the edit is rolled back before the next item.
 *
 * <p><b>Context policy.</b> A small model's context may not hold the question and the whole answer. With
 * P the question's tokens and C the context: an item whose question leaves fewer than
 * {@link Options#minTargetTokens()} tokens (C − P − margin) is <em>skipped</em> (counted, not scored); a
 * target longer than C − P − margin tokens is <em>cut</em> at the last word boundary that fits, and the
 * cut target is both what is edited and what the generation is scored against (the report counts cut
 * items and the mean fraction of target tokens kept). The margin leaves room for the context prefixes
 * base methods such as ROME put before the prompt. The generation budget is min(512, C − P). An optional cap
 * on the target's tokens ({@link Options#maxTargetTokens()}) bounds CPU time the same way (cut, counted).
 *
 * <p><b>Short questions.</b> After each edit the bench also asks UnKEBench's sub-questions, and after the last
 * rewrite of an MQuAKE-CF case its multi-hop questions ({@link ShortAnswers}). The rewrites of one MQuAKE-CF case
 * accumulate (MQuAKE applies a case's edits together; each is computed with the earlier ones as its history and
 * scored right after it is applied); every other item is edited alone.
 */
public final class LongFormBench {

    /**
     * Run settings.
     *
     * @param limit           items to run at most (from the start of the file)
     * @param maxNewTokens    generation budget before the context cap (512 in the paper)
     * @param margin          context tokens kept free besides question and target
     * @param minTargetTokens items with less room than this for the target are skipped
     * @param maxTargetTokens targets are cut (at a word boundary) to at most this many tokens, to bound CPU time;
     *                        {@code Integer.MAX_VALUE} cuts only where the context requires it
     */
    public record Options(int limit, int maxNewTokens, int margin, int minTargetTokens, int maxTargetTokens) {
        /** Returns the paper's settings with a margin of 16 tokens, a minimum target of 8 tokens and no length cap. */
        public static Options defaults(int limit) {
            return new Options(limit, 512, 16, 8, Integer.MAX_VALUE);
        }
    }

    /**
     * One item's outcome.
     *
     * @param item                the item
     * @param status              {@code edited}, {@code cut} (edited with a shortened target) or {@code skipped}
     * @param reason              why it was skipped or cut, or null
     * @param target              the target that was edited and scored against (null when skipped)
     * @param targetTokensKept    fraction of the answer's tokens in the target
     * @param generation          the greedy generation from the question after the edit
     * @param paraphraseGeneration the generation from the paraphrase, or null
     * @param metrics             metric name → value (paraphrase metrics prefixed {@code para_}; the short questions'
     *                            means under {@link ShortAnswers#METRICS})
     * @param secondsEdit         time of computeEdit
     * @param asked               the short questions asked after the edit, with their generations
     */
    public record ItemResult(LongFormItem item, String status, String reason, String target, double targetTokensKept,
                             String generation, String paraphraseGeneration, Map<String, Double> metrics,
                             double secondsEdit, List<ShortAnswers.Asked> asked) {
    }

    /**
     * The means.
     *
     * @param method        the method's name
     * @param items         items edited and scored
     * @param skipped       items skipped (the question leaves no room for the target)
     * @param cut           items edited with a shortened target
     * @param targetTokensKept mean fraction of answer tokens kept over scored items
     * @param means         metric → mean over scored items
     * @param perCategory   category → metric → mean (EditEverything), empty otherwise
     * @param secondsPerEdit mean time of computeEdit
     * @param results       every item
     */
    public record Report(String method, int items, int skipped, int cut, double targetTokensKept,
                         Map<String, Double> means, Map<String, Map<String, Double>> perCategory,
                         double secondsPerEdit, List<ItemResult> results) {
    }

    /** Metric names, in report order. */
    public static final List<String> METRICS = List.of("rouge1_recall", "rouge2_recall", "rougeL_recall",
            "rouge1_f1", "rouge2_f1", "rougeL_f1", "bleu_char", "bleu_word", "semantic_similarity");

    private LongFormBench() {
    }

    /**
     * Runs {@code editor} ({@code method} names it) over {@code items} on {@code model}; each result goes to
     * {@code sink} as soon as it is known (may be null). The model is unchanged afterwards.
     */
    public static Report run(EditableModel model, String method, Editor editor, List<LongFormItem> items,
                             EditContext ctx, Options options, SentenceEmbedder embedder, Consumer<ItemResult> sink) {
        List<ItemResult> results = new ArrayList<>();
        int n = Math.min(options.limit(), items.size());
        EditSession session = new EditSession(model, editor, List.of());
        AppliedEdits held = null;
        try {
            for (int i = 0; i < n; i++) {
                ctx.checkCancelled();
                ctx.progress().progress("longform", i, n);
                LongFormItem item = items.get(i);
                if (held != null && (item.multiHop() == null || item.multiHop().rewrite() == 0)) {
                    held.close();
                    held = null;
                }
                held = held != null ? held : session.hold(List.of());
                EditContext quiet = new EditContext(ctx.seed() + i, dev.amend.spi.ProgressListener.NONE,
                        ctx.cancelled(), ctx.cacheDir(), ctx.statisticsCorpus(), held.edits());
                ItemResult r = runItem(session, held, item, quiet, options, embedder);
                results.add(r);
                if (sink != null) {
                    sink.accept(r);
                }
            }
        } finally {
            if (held != null) {
                held.close();
            }
        }
        ctx.progress().progress("longform", n, n);
        return summarise(method, results);
    }

    /** Returns the report over {@code results}. */
    public static Report summarise(String method, List<ItemResult> results) {
        Map<String, Double> sums = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, Map<String, Double>> catSums = new TreeMap<>();
        Map<String, Integer> catCounts = new TreeMap<>();
        int scored = 0;
        int skipped = 0;
        int cut = 0;
        double kept = 0;
        double seconds = 0;
        for (ItemResult r : results) {
            if (r.status().equals("skipped")) {
                skipped++;
                continue;
            }
            scored++;
            cut += r.status().equals("cut") ? 1 : 0;
            kept += r.targetTokensKept();
            seconds += r.secondsEdit();
            r.metrics().forEach((k, v) -> {
                sums.merge(k, v, Double::sum);
                counts.merge(k, 1, Integer::sum);
            });
            if (r.item().category() != null) {
                Map<String, Double> c = catSums.computeIfAbsent(r.item().category(), k -> new LinkedHashMap<>());
                r.metrics().forEach((k, v) -> {
                    if (!k.startsWith("para_")) {
                        c.merge(k, v, Double::sum);
                    }
                });
                catCounts.merge(r.item().category(), 1, Integer::sum);
            }
        }
        Map<String, Double> means = new LinkedHashMap<>();
        sums.forEach((k, v) -> means.put(k, v / counts.get(k)));
        Map<String, Map<String, Double>> perCategory = new TreeMap<>();
        catSums.forEach((cat, m) -> {
            Map<String, Double> c = new LinkedHashMap<>();
            m.forEach((k, v) -> c.put(k, v / catCounts.get(cat)));
            c.put("items", (double) catCounts.get(cat));
            perCategory.put(cat, c);
        });
        return new Report(method, scored, skipped, cut, scored == 0 ? 0 : kept / scored, means, perCategory,
                scored == 0 ? 0 : seconds / scored, List.copyOf(results));
    }

    /** Edits {@code item} into {@code held} (which keeps the case's earlier rewrites) and scores it. */
    private static ItemResult runItem(EditSession session, AppliedEdits held, LongFormItem item, EditContext ctx,
                                      Options options, SentenceEmbedder embedder) {
        EditableModel model = session.model();
        int context = model.architecture().maxContext();
        int promptTokens = model.tokenizer().encode(item.question(), true).length;
        int room = context - promptTokens - options.margin();
        if (room < options.minTargetTokens()) {
            return new ItemResult(item, "skipped", "the question takes " + promptTokens + " of " + context
                    + " context tokens", null, 0, null, null, Map.of(), 0, List.of());
        }
        boolean capped = options.maxTargetTokens() < room;
        room = Math.min(room, options.maxTargetTokens());
        EditRequest full = new EditRequest(item.promptTemplate(), item.subject(), item.answer(), paraphrases(item));
        TargetTokens tokens = TargetTokens.of(model.tokenizer(), item.question(), full.target());
        String target = full.target();
        String status = "edited";
        String reason = null;
        double kept = 1;
        if (tokens.size() > room) {
            int k = room;
            while (k > 0 && !(tokens.cuttable(k) && Character.isWhitespace(tokens.text().charAt(tokens.offsets()[k])))) {
                k--;
            }
            if (k < options.minTargetTokens()) {
                return new ItemResult(item, "skipped", "no word boundary within the " + room + " target tokens that fit",
                        null, 0, null, null, Map.of(), 0, List.of());
            }
            target = tokens.text().substring(0, tokens.offsets()[k]);
            status = "cut";
            reason = "target cut from " + tokens.size() + " to " + k + " tokens (" + (capped
                    ? "--max-target-tokens " + options.maxTargetTokens()
                    : "context " + context + ", question " + promptTokens + ", margin " + options.margin()) + ")";
            kept = (double) k / tokens.size();
        }
        EditRequest request = new EditRequest(item.promptTemplate(), item.subject(), target, paraphrases(item));
        ComputedEdit computed = session.compute(List.of(request), ctx);
        held.apply(computed.edit());
        String generation = generate(model, item.question(), options);
        String paraGeneration = item.paraphrase() == null ? null : generate(model, item.paraphrase(), options);
        List<ShortAnswers.Asked> asked = new ArrayList<>(ShortAnswers.subQuestions(model, item));
        if (item.multiHop() != null && item.multiHop().last()) {
            asked.addAll(ShortAnswers.multiHop(model, item.multiHop()));
        }
        String reference = target.strip();
        Map<String, Double> metrics = new LinkedHashMap<>(score(generation, reference, embedder));
        if (paraGeneration != null) {
            score(paraGeneration, reference, embedder).forEach((k, v) -> metrics.put("para_" + k, v));
        }
        metrics.putAll(ShortAnswers.means(asked));
        return new ItemResult(item, status, reason, target, kept, generation, paraGeneration, metrics,
                computed.seconds(), List.copyOf(asked));
    }

    private static List<String> paraphrases(LongFormItem item) {
        return item.paraphrase() == null ? List.of() : List.of(item.paraphrase());
    }

    /** Returns the greedy continuation of {@code prompt}: min(maxNewTokens, context − prompt) tokens at most. */
    public static String generate(EditableModel model, String prompt, Options options) {
        int[] ids = model.tokenizer().encode(prompt, true);
        int budget = Math.min(options.maxNewTokens(), model.architecture().maxContext() - ids.length);
        if (budget <= 0) {
            throw new InvalidRequestException("the prompt takes the whole context: " + prompt);
        }
        return model.generate(GenerationRequest.greedy(ids, budget)).text();
    }

    /** Returns the metrics of {@code generation} against {@code reference}. */
    public static Map<String, Double> score(String generation, String reference, SentenceEmbedder embedder) {
        Rouge.Scores r = Rouge.score(generation, reference);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("rouge1_recall", r.rouge1().recall());
        m.put("rouge2_recall", r.rouge2().recall());
        m.put("rougeL_recall", r.rougeL().recall());
        m.put("rouge1_f1", r.rouge1().f());
        m.put("rouge2_f1", r.rouge2().f());
        m.put("rougeL_f1", r.rougeL().f());
        m.put("bleu_char", Bleu.characterLevel(generation, reference));
        m.put("bleu_word", Bleu.wordLevel(generation, reference));
        if (embedder != null) {
            m.put("semantic_similarity", embedder.similarity(reference, generation));
        }
        return m;
    }
}
