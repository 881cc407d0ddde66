package dev.amend.bench;

import dev.amend.evaluators.AnswerMatch;
import dev.amend.evaluators.longform.Rouge;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.GenerationRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The short questions the long-form bench asks beside the long answer, each generated greedily from the question alone
 * ({@value #TOKENS} new tokens at most, stopping at end-of-text) and judged by {@link AnswerMatch#mentions}
 * (the normalised answer occurs in the normalised generation as whole words):
 * <ul>
 *   <li>UnKEBench's {@code sub_question}s, about details of the edited answer: {@code sub_question_answer_rate} (the
 *       generation names the {@code sub_answer}) and {@code sub_question_rougeL_recall} (ROUGE-L recall of the
 *       {@code sub_answer} in the generation), each the mean over the item's sub-questions;
 *   <li>MQuAKE-CF's multi-hop {@code questions}, asked once all rewrites of the case are in:
 *       {@code multihop_new_answer_rate} (the generation names {@code new_answer} or one of
 *       {@code new_answer_alias}) and {@code multihop_old_answer_rate} (it still names {@code answer} or one of
 *       {@code answer_alias}), each the mean over the case's questions.
 * </ul>
 */
public final class ShortAnswers {
    /** New tokens generated per short question. */
    public static final int TOKENS = 48;
    /** The metrics, in report order. */
    public static final List<String> METRICS = List.of("sub_question_answer_rate", "sub_question_rougeL_recall",
            "multihop_new_answer_rate", "multihop_old_answer_rate");

    /**
     * One question asked.
     *
     * @param kind       {@code sub_question} or {@code multihop}
     * @param question   the question
     * @param answers    the accepted answers
     * @param generation the greedy generation
     * @param metrics    its judgement (1 or 0 for the rates, the recall)
     */
    public record Asked(String kind, String question, List<String> answers, String generation,
                        Map<String, Double> metrics) {
    }

    private ShortAnswers() {
    }

    /** Returns UnKEBench's sub-questions of {@code item} asked of {@code model}. */
    public static List<Asked> subQuestions(EditableModel model, LongFormItem item) {
        return item.subQuestions().stream().map(q -> {
            String g = generate(model, q.question());
            String answer = q.answers().get(0);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("sub_question_answer_rate", AnswerMatch.mentions(g, answer) ? 1.0 : 0.0);
            m.put("sub_question_rougeL_recall", Rouge.score(g, answer.strip()).rougeL().recall());
            return new Asked("sub_question", q.question(), q.answers(), g, m);
        }).toList();
    }

    /** Returns MQuAKE-CF's multi-hop questions of {@code hop} asked of {@code model}. */
    public static List<Asked> multiHop(EditableModel model, LongFormItem.MultiHop hop) {
        return hop.questions().stream().map(q -> {
            String g = generate(model, q);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("multihop_new_answer_rate", hop.newAnswers().stream().anyMatch(a -> AnswerMatch.mentions(g, a)) ? 1.0 : 0.0);
            m.put("multihop_old_answer_rate", hop.oldAnswers().stream().anyMatch(a -> AnswerMatch.mentions(g, a)) ? 1.0 : 0.0);
            return new Asked("multihop", q, hop.newAnswers(), g, m);
        }).toList();
    }

    /** Returns each metric's mean over {@code asked} (metrics no question has are left out). */
    public static Map<String, Double> means(List<Asked> asked) {
        Map<String, Double> sums = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Asked a : asked) {
            a.metrics().forEach((k, v) -> {
                sums.merge(k, v, Double::sum);
                counts.merge(k, 1, Integer::sum);
            });
        }
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((k, v) -> out.put(k, v / counts.get(k)));
        return out;
    }

    private static String generate(EditableModel model, String question) {
        int[] ids = model.tokenizer().encode(question, true);
        int budget = Math.min(TOKENS, model.architecture().maxContext() - ids.length);
        return budget <= 0 ? "" : model.generate(GenerationRequest.greedy(ids, budget)).text();
    }
}
