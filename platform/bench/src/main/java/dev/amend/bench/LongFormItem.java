package dev.amend.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.spi.InvalidRequestException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One long-form edit of a benchmark file: the question is the prompt, the long answer the target.
 *
 * @param id          the item's id in the file
 * @param question    the prompt
 * @param subject     a word of the question that names what changes (the base methods' fact token)
 * @param paraphrase  a rephrased question, or null
 * @param answer      the long target
 * @param category    EditEverything's category, or null
 */
public record LongFormItem(String id, String question, String subject, String paraphrase, String answer,
                           String category) {

    /** The benchmark formats of {@code ../shared/benchmarks}. */
    public enum Format {
        /** UnKEBench: question, para_question, answer. */
        UNKE,
        /** EditEverything: question, answer, category. */
        EDIT_EVERYTHING,
        /** MQuAKE-CF (AKEW packaging): each requested rewrite's question with its fact_new_uns as the target. */
        MQUAKE_CF
    }

    /**
     * A parsed file.
     *
     * @param format the detected format
     * @param items  its items in file order
     */
    public record Dataset(Format format, List<LongFormItem> items) {
    }

    /** Returns the items of {@code file}, detecting the format from the fields of its first record. */
    public static Dataset read(Path file) {
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new InvalidRequestException(file + " is not JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonArray() || root.getAsJsonArray().isEmpty()) {
            throw new InvalidRequestException(file + " must hold a non-empty JSON array of benchmark items");
        }
        JsonArray arr = root.getAsJsonArray();
        JsonObject first = arr.get(0).getAsJsonObject();
        Format format = first.has("requested_rewrite") ? Format.MQUAKE_CF
                : first.has("category") ? Format.EDIT_EVERYTHING
                : first.has("question") && first.has("answer") ? Format.UNKE : null;
        if (format == null) {
            throw new InvalidRequestException(file + ": unknown format (expected UnKEBench items with question/"
                    + "para_question/answer, EditEverything items with question/answer/category, or MQuAKE-CF items "
                    + "with requested_rewrite)");
        }
        List<LongFormItem> items = new ArrayList<>();
        for (JsonElement e : arr) {
            JsonObject o = e.getAsJsonObject();
            switch (format) {
                case MQUAKE_CF -> {
                    JsonArray rr = o.getAsJsonArray("requested_rewrite");
                    for (int i = 0; i < rr.size(); i++) {
                        JsonObject r = rr.get(i).getAsJsonObject();
                        String q = str(r, "question");
                        String s = str(r, "subject");
                        items.add(new LongFormItem(str(o, "case_id") + "/" + i, q,
                                s != null && q.contains(s) ? s : lastWord(q), null, str(r, "fact_new_uns"), null));
                    }
                }
                case EDIT_EVERYTHING -> items.add(new LongFormItem(str(o, "id"), str(o, "question"),
                        lastWord(str(o, "question")), null, str(o, "answer"), str(o, "category")));
                default -> items.add(new LongFormItem(str(o, "id"), str(o, "question"), lastWord(str(o, "question")),
                        str(o, "para_question"), str(o, "answer"), null));
            }
        }
        for (LongFormItem it : items) {
            if (it.question() == null || it.question().isBlank() || it.answer() == null || it.answer().isBlank()) {
                throw new InvalidRequestException(file + ": item " + it.id() + " lacks a question or an answer");
            }
        }
        return new Dataset(format, items);
    }

    /**
     * Returns {@code items} taken round-robin over their categories (first item of each category in order of
     * first appearance, then the second, ...), so that the first N items cover every category; items without
     * a category keep their order.
     */
    public static List<LongFormItem> interleaveCategories(List<LongFormItem> items) {
        java.util.Map<String, java.util.ArrayDeque<LongFormItem>> byCategory = new java.util.LinkedHashMap<>();
        for (LongFormItem it : items) {
            byCategory.computeIfAbsent(String.valueOf(it.category()), k -> new java.util.ArrayDeque<>()).add(it);
        }
        List<LongFormItem> out = new ArrayList<>();
        while (out.size() < items.size()) {
            for (java.util.ArrayDeque<LongFormItem> q : byCategory.values()) {
                if (!q.isEmpty()) {
                    out.add(q.poll());
                }
            }
        }
        return out;
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    /** Returns the last whitespace-separated word of {@code text} (the default subject of a question). */
    public static String lastWord(String text) {
        if (text == null) {
            return null;
        }
        String t = text.strip();
        int i = t.length();
        while (i > 0 && !Character.isWhitespace(t.charAt(i - 1))) {
            i--;
        }
        return t.substring(i);
    }

    /** Returns the question as a prompt template: {@code {}} in place of the subject's last occurrence. */
    public String promptTemplate() {
        String q = question.replace("{}", "{ }");
        int at = q.lastIndexOf(subject);
        return q.substring(0, at) + "{}" + q.substring(at + subject.length());
    }
}
