package dev.amend.demo.corpus;

import java.util.List;

/**
 * A relation with its prompt templates ({@code {}} marks the subject; the object follows after a space).
 *
 * @param id               short id, e.g. {@code capital}
 * @param name             description
 * @param subjectType      what the subjects are
 * @param source           where the facts come from
 * @param trainTemplates   templates the model is trained on
 * @param heldoutTemplates templates never trained on, used only to measure generalisation
 */
public record Relation(String id, String name, String subjectType, String source, List<String> trainTemplates,
                       List<String> heldoutTemplates) {
    /** Copies the lists. */
    public Relation {
        trainTemplates = List.copyOf(trainTemplates);
        heldoutTemplates = List.copyOf(heldoutTemplates);
    }
}
