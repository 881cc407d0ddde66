package dev.amend.demo;

import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.kit.TargetScoring;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.List;

/** How much of its corpus a model recalls: greedy completion of each fact's templates gives its object. */
public final class FactRecall {

    /**
     * Recall on the corpus.
     *
     * @param trainTemplateAccuracy   mean over facts of the fraction of train templates answered exactly
     * @param heldoutTemplateAccuracy the same over held-out templates
     * @param facts                   number of facts
     */
    public record Result(double trainTemplateAccuracy, double heldoutTemplateAccuracy, int facts) {
    }

    private FactRecall() {
    }

    /** Returns {@code model}'s recall of {@code facts} from {@code corpus}. */
    public static Result measure(EditableModel model, FactCorpus corpus, List<Fact> facts) {
        return new Result(accuracy(model, corpus, facts, true), accuracy(model, corpus, facts, false), facts.size());
    }

    /** Returns {@code model}'s recall of the whole corpus. */
    public static Result measure(EditableModel model, FactCorpus corpus) {
        return measure(model, corpus, corpus.facts());
    }

    private static double accuracy(EditableModel model, FactCorpus corpus, List<Fact> facts, boolean train) {
        List<String> prompts = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        for (int i = 0; i < facts.size(); i++) {
            Fact f = facts.get(i);
            var rel = corpus.relation(f.relation());
            for (String t : train ? rel.trainTemplates() : rel.heldoutTemplates()) {
                prompts.add(f.prompt(t));
                targets.add(" " + f.object());
                owner.add(i);
            }
        }
        List<TargetScoring.Scored> scored = TargetScoring.score(model, prompts, targets);
        double[] hit = new double[facts.size()];
        int[] count = new int[facts.size()];
        for (int i = 0; i < scored.size(); i++) {
            hit[owner.get(i)] += scored.get(i).greedyMatch() ? 1 : 0;
            count[owner.get(i)]++;
        }
        double sum = 0;
        for (int i = 0; i < facts.size(); i++) {
            sum += count[i] == 0 ? 0 : hit[i] / count[i];
        }
        return sum / facts.size();
    }
}
