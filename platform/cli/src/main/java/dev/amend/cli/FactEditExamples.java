package dev.amend.cli;

import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.demo.corpus.Relation;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.TrainingExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Training examples for learned editors (MEND) from the demo fact corpus: a fact rewritten to another object of its relation
 * (the edit, in the relation's first training template), the other training templates as rephrasings
 * (held-out templates stay unseen for generalisation), and as locality prompts other subjects of the same
 * relation (half) and facts of other relations (half) with their true objects.
 */
final class FactEditExamples {
    private FactEditExamples() {
    }

    /** Returns {@code perFact} examples for every fact of {@code part}, seeded by {@code random}. */
    static List<TrainingExample> build(FactCorpus corpus, EditorSplit part, int perFact, int locality, Random random) {
        List<Fact> facts = part.facts(corpus);
        List<TrainingExample> out = new ArrayList<>();
        for (int k = 0; k < perFact; k++) {
            for (Fact f : facts) {
                Relation rel = corpus.relation(f.relation());
                String newObject = corpus.counterfactualObject(f, random);
                EditRequest edit = new EditRequest(rel.trainTemplates().get(0), f.subject(), " " + newObject, List.of());
                List<String> rephrasings = new ArrayList<>();
                for (String t : rel.trainTemplates().subList(1, rel.trainTemplates().size())) {
                    rephrasings.add(f.prompt(t));
                }
                List<TrainingExample.Locality> loc = new ArrayList<>();
                for (Fact nb : corpus.neighbourhood(f, newObject, (locality + 1) / 2, random)) {
                    if (EditorSplit.of(nb) != EditorSplit.HELDOUT) {
                        loc.add(new TrainingExample.Locality(nb.prompt(rel.trainTemplates().get(0)), " " + nb.object()));
                    }
                }
                while (loc.size() < locality) {
                    Fact other = facts.get(random.nextInt(facts.size()));
                    if (other.subject().equals(f.subject())) {
                        continue;
                    }
                    Relation or = corpus.relation(other.relation());
                    String t = or.trainTemplates().get(random.nextInt(or.trainTemplates().size()));
                    loc.add(new TrainingExample.Locality(other.prompt(t), " " + other.object()));
                }
                out.add(new TrainingExample(edit, rephrasings, loc));
            }
        }
        java.util.Collections.shuffle(out, random);
        return out;
    }
}
