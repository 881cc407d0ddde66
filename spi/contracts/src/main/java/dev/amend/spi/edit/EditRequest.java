package dev.amend.spi.edit;

import dev.amend.spi.InvalidRequestException;
import java.util.List;
import java.util.Objects;

/**
 * One piece of knowledge to write: "{prompt with the subject} → target".
 *
 * @param prompt      text with {@code {}} where the subject goes, e.g. {@code "The capital of {} is"}
 * @param subject     the subject, e.g. {@code "France"}
 * @param target      the new continuation, e.g. {@code " Rome"} (a leading space is added when missing)
 * @param paraphrases other phrasings of the same request (with the subject filled in), for evaluation
 */
public record EditRequest(String prompt, String subject, String target, List<String> paraphrases) {

    /** Checks the request and says what to fix when it is not usable. */
    public EditRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(target, "target");
        paraphrases = paraphrases == null ? List.of() : List.copyOf(paraphrases);
        if (subject.isBlank()) {
            throw new InvalidRequestException("the subject is empty: give the entity whose fact changes, e.g. \"France\"");
        }
        if (target.isBlank()) {
            throw new InvalidRequestException("the target is empty: give the new answer, e.g. \" Rome\"");
        }
        if (!prompt.contains("{}")) {
            if (prompt.contains(subject)) {
                prompt = prompt.replaceFirst(java.util.regex.Pattern.quote(subject), "{}");
            } else {
                throw new InvalidRequestException("the subject \"" + subject + "\" is not in the prompt \"" + prompt
                        + "\": write the prompt with {} where the subject goes, or include the subject verbatim");
            }
        }
        if (prompt.indexOf("{}") != prompt.lastIndexOf("{}")) {
            throw new InvalidRequestException("the prompt \"" + prompt + "\" has more than one {}: mark the subject once");
        }
        if (!target.startsWith(" ") && !prompt.endsWith(" ")) {
            target = " " + target;
        }
    }

    /** Returns a request without paraphrases. */
    public static EditRequest of(String prompt, String subject, String target) {
        return new EditRequest(prompt, subject, target, List.of());
    }

    /** Returns the prompt with the subject filled in. */
    public String filledPrompt() {
        return prompt.replace("{}", subject);
    }
}
