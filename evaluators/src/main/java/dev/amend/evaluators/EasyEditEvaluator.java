package dev.amend.evaluators;

import dev.amend.kit.TargetScoring.Scored;
import dev.amend.spi.Evaluator;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * EasyEdit's teacher-forced token accuracy (the fraction of answer tokens that are the argmax given
 * the prompt and the earlier answer tokens):
 * <ul>
 *   <li>{@code reliability}: of the new target after the rewrite prompt;
 *   <li>{@code generalization}: of the new target after each paraphrase, averaged per case, then over cases;
 *   <li>{@code portability}: of each portability answer after its prompt, likewise; reported only when some case has one;
 *   <li>{@code locality}: for each neighbourhood prompt, the fraction of the neighbour's answer positions where the
 *       argmax is the same as before the edit, likewise; {@link #baseline} records the pre-edit argmaxes.
 * </ul>
 */
public final class EasyEditEvaluator implements Evaluator {
    /** The protocol tag of every score. */
    public static final String PROTOCOL = "easyedit-token-accuracy";

    /** Indices of one case's probes; {@code neighbours} maps each neighbourhood prompt to its probe. */
    private record Planned(int rewrite, List<Integer> paraphrases, List<Integer> portability,
                           Map<String, Integer> neighbours) {
    }

    /** Returns {@value #PROTOCOL}. */
    @Override
    public String protocol() {
        return PROTOCOL;
    }

    /**
     * Returns the cases with the pre-edit argmax ids of each neighbourhood answer in their baseline,
     * keyed by the neighbourhood prompt, as comma-separated ids (other baseline entries are kept).
     */
    @Override
    public List<EvaluationCase> baseline(EditableModel model, List<EvaluationCase> cases) {
        Probes probes = new Probes();
        List<Map<String, Integer>> planned = new ArrayList<>(cases.size());
        for (EvaluationCase c : cases) {
            planned.add(addNeighbours(c, probes));
        }
        List<int[]> argmax = probes.argmax(model);
        List<EvaluationCase> out = new ArrayList<>(cases.size());
        for (int i = 0; i < cases.size(); i++) {
            EvaluationCase c = cases.get(i);
            Map<String, String> baseline = new HashMap<>(c.baseline());
            planned.get(i).forEach((prompt, probe) -> baseline.put(prompt, encodeIds(argmax.get(probe))));
            out.add(new EvaluationCase(c.request(), c.trueTarget(), c.paraphrases(), c.neighbourhood(),
                    c.portability(), baseline));
        }
        return out;
    }

    /**
     * Returns reliability, generalization, portability and locality; metrics with nothing to average
     * are left out. Throws {@link IllegalStateException} when a neighbourhood prompt has no baseline.
     */
    @Override
    public List<Score> evaluate(EditableModel model, List<EvaluationCase> cases) {
        Probes accuracy = new Probes();
        Probes neighbourProbes = new Probes();
        List<Planned> plans = new ArrayList<>(cases.size());
        for (EvaluationCase c : cases) {
            String target = c.request().target();
            List<Integer> paraphrases = new ArrayList<>();
            for (String paraphrase : CaseTexts.paraphrases(c)) {
                paraphrases.add(accuracy.add(paraphrase, target));
            }
            List<Integer> portability = new ArrayList<>();
            for (Map.Entry<String, String> q : c.portability().entrySet()) {
                portability.add(accuracy.add(q.getKey(), q.getValue()));
            }
            plans.add(new Planned(accuracy.add(c.request().filledPrompt(), target), paraphrases, portability,
                    addNeighbours(c, neighbourProbes)));
        }
        List<Scored> scored = accuracy.score(model);
        List<int[]> argmax = neighbourProbes.argmax(model);
        RunningMean reliability = new RunningMean();
        RunningMean generalization = new RunningMean();
        RunningMean portability = new RunningMean();
        RunningMean locality = new RunningMean();
        for (int i = 0; i < cases.size(); i++) {
            Planned p = plans.get(i);
            Map<String, String> baseline = cases.get(i).baseline();
            reliability.add(scored.get(p.rewrite()).tokenAccuracy());
            generalization.addMeanOf(p.paraphrases(), k -> scored.get(k).tokenAccuracy());
            portability.addMeanOf(p.portability(), k -> scored.get(k).tokenAccuracy());
            locality.addMeanOf(new ArrayList<>(p.neighbours().entrySet()),
                    n -> agreement(n.getKey(), baseline.get(n.getKey()), argmax.get(n.getValue())));
        }
        List<Score> scores = new ArrayList<>();
        reliability.reportTo(scores, "reliability", PROTOCOL);
        generalization.reportTo(scores, "generalization", PROTOCOL);
        portability.reportTo(scores, "portability", PROTOCOL);
        locality.reportTo(scores, "locality", PROTOCOL);
        return scores;
    }

    /** Adds a probe per neighbourhood prompt of {@code c} and returns prompt → probe index. */
    private static Map<String, Integer> addNeighbours(EvaluationCase c, Probes probes) {
        Map<String, Integer> neighbours = new HashMap<>();
        for (Map.Entry<String, String> n : c.neighbourhood().entrySet()) {
            neighbours.put(n.getKey(), probes.add(n.getKey(), n.getValue()));
        }
        return neighbours;
    }

    /** Returns the fraction of positions where {@code now} equals the recorded pre-edit argmaxes. */
    private static double agreement(String prompt, String recorded, int[] now) {
        if (recorded == null) {
            throw new IllegalStateException("locality has no pre-edit argmax for the neighbourhood prompt \"" + prompt
                    + "\": run baseline(model, cases) on the model before the edit and evaluate the cases it returns");
        }
        int[] before = decodeIds(prompt, recorded);
        if (before.length != now.length) {
            throw new IllegalStateException("the baseline of \"" + prompt + "\" has " + before.length
                    + " answer positions but the answer now has " + now.length + ": was it recorded with another tokenizer?");
        }
        int same = 0;
        for (int k = 0; k < now.length; k++) {
            if (before[k] == now[k]) {
                same++;
            }
        }
        return (double) same / now.length;
    }

    private static String encodeIds(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    private static int[] decodeIds(String prompt, String recorded) {
        try {
            return recorded.isEmpty() ? new int[0] : Arrays.stream(recorded.split(",")).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalStateException("the baseline of \"" + prompt + "\" is not a list of token ids: " + recorded, e);
        }
    }
}
