package dev.amend.demo.corpus;

/**
 * A true (subject, relation, object) triple.
 *
 * @param relation relation id
 * @param subject  subject, e.g. {@code France}
 * @param object   object, e.g. {@code Paris}
 */
public record Fact(String relation, String subject, String object) {
    /** Returns {@code template} with the subject filled in. */
    public String prompt(String template) {
        return template.replace("{}", subject);
    }
}
