package dev.amend.kit.trace;

import dev.amend.kit.Locators;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A trace's prompt as the model sees it: its ids, a label per token, where the subject's tokens are, and the answer
 * asked for. Everything wrong with the request is refused here with a message saying what to fix.
 *
 * @param filled       the prompt with the subject filled in
 * @param ids          its token ids (the start-of-text token first where the model uses one)
 * @param labels       each token's text
 * @param subjectFirst index of the subject's first token
 * @param subjectLast  index of the subject's last token
 * @param target       the answer text asked for (a leading space added as edits do), or null for the model's own
 */
record TracedPrompt(String filled, int[] ids, List<String> labels, int subjectFirst, int subjectLast, String target) {

    /** Returns {@code request} tokenized for {@code model}, or throws saying what to fix. */
    static TracedPrompt of(EditableModel model, TraceRequest request) {
        if (request.subject().isBlank()) {
            throw new InvalidRequestException("the subject is empty: give the entity whose fact is traced, e.g."
                    + " \"France\"");
        }
        // an edit request checks the prompt and the subject the same way edits do (a placeholder when no target)
        EditRequest checked = new EditRequest(request.prompt(), request.subject(),
                request.target() == null ? "?" : request.target(), List.of());
        TextTokenizer tok = model.tokenizer();
        String filled = checked.filledPrompt();
        int[] ids = tok.encode(filled, true);
        int context = model.architecture().maxContext();
        if (ids.length > context) {
            throw new InvalidRequestException("the prompt is " + ids.length + " tokens, longer than the model's context"
                    + " of " + context + " tokens: shorten it");
        }
        int first = Locators.locate(Locators.SUBJECT_FIRST, tok, "", checked);
        int last = Locators.locate(Locators.SUBJECT_LAST, tok, "", checked);
        String before = checked.prompt().substring(0, checked.prompt().indexOf("{}"));
        int[] head = tok.encode(before + checked.subject(), true);
        if (last >= ids.length || first > last || !Arrays.equals(head, Arrays.copyOf(ids, head.length))) {
            throw new InvalidRequestException("the subject \"" + checked.subject() + "\" does not end on a token"
                    + " boundary of \"" + filled + "\" (the tokenizer merges it with the text after it): put a space"
                    + " or punctuation after the subject");
        }
        return new TracedPrompt(filled, ids, labels(tok, ids), first, last,
                request.target() == null ? null : checked.target());
    }

    /** Returns the text of each token; a special token that decodes to nothing is shown as its id. */
    static List<String> labels(TextTokenizer tok, int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            String text = tok.decode(new int[] {id});
            boolean bos = tok.bos().isPresent() && tok.bos().getAsInt() == id;
            out.add(text.isEmpty() ? (bos ? "<bos>" : "<" + id + ">") : text);
        }
        return out;
    }

    /** Returns the number of tokens. */
    int length() {
        return ids.length;
    }
}
