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
 * @param subQuestions UnKEBench's {@code sub_question}/{@code sub_answer} pairs (short questions about details of the
 *                    answer), empty otherwise
 * @param multiHop    MQuAKE-CF: the case this rewrite belongs to, with its multi-hop questions; null otherwise
 */
public record LongFormItem(String id, String question, String subject, String paraphrase, String answer,
                           String category, List<ShortQuestion> subQuestions, MultiHop multiHop) {

    /**
     * A short question with the answers that count as right.
     *
     * @param question the question, asked as it is
     * @param answers  accepted answers (the first is the main one)
     */
    public record ShortQuestion(String question, List<String> answers) {
        /** Copies the list. */
        public ShortQuestion {
            answers = List.copyOf(answers);
        }
    }

    /**
     * MQuAKE-CF's case of a rewrite: the case's rewrites are applied together, and its multi-hop questions are asked
     * once all of them are in.
     *
     * @param caseId     the case's {@code case_id}
     * @param rewrite    this rewrite's index in the case
     * @param rewrites   the case's number of rewrites
     * @param questions  the multi-hop {@code questions}
     * @param newAnswers {@code new_answer} and {@code new_answer_alias}: what the questions should be answered with
     *                   after the edits
     * @param oldAnswers {@code answer} and {@code answer_alias}: the answer before the edits
     */
    public record MultiHop(String caseId, int rewrite, int rewrites, List<String> questions, List<String> newAnswers,
                           List<String> oldAnswers) {
        /** Copies the lists. */
        public MultiHop {
            questions = List.copyOf(questions);
            newAnswers = List.copyOf(newAnswers);
            oldAnswers = List.copyOf(oldAnswers);
        }

        /** Returns true for the case's last rewrite, after which its multi-hop questions are asked. */
        public boolean last() {
            return rewrite == rewrites - 1;
        }
    }

    /** Copies the list. */
    public LongFormItem {
        subQuestions = List.copyOf(subQuestions);
    }

    /** Returns an item without short questions. */
    public LongFormItem(String id, String question, String subject, String paraphrase, String answer, String category) {
        this(id, question, subject, paraphrase, answer, category, List.of(), null);
    }

    /** Returns the key {@link BenchSplit} assigns the item by: the case's id for MQuAKE-CF, else the item's id. */
    public String splitKey() {
        return multiHop != null ? multiHop.caseId() : id;
    }

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
                        MultiHop hop = new MultiHop(str(o, "case_id"), i, rr.size(), strings(o, "questions"),
                                withAliases(o, "new_answer", "new_answer_alias"), withAliases(o, "answer", "answer_alias"));
                        items.add(new LongFormItem(str(o, "case_id") + "/" + i, q,
                                s != null && q.contains(s) ? s : lastWord(q), null, str(r, "fact_new_uns"), null,
                                List.of(), hop));
                    }
                }
                case EDIT_EVERYTHING -> items.add(new LongFormItem(str(o, "id"), str(o, "question"),
                        lastWord(str(o, "question")), null, str(o, "answer"), str(o, "category")));
                default -> items.add(new LongFormItem(str(o, "id"), str(o, "question"), lastWord(str(o, "question")),
                        str(o, "para_question"), str(o, "answer"), null, subQuestions(o), null));
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

    /** Returns UnKEBench's sub_question/sub_answer pairs of {@code o} (pairs with a missing half are left out). */
    private static List<ShortQuestion> subQuestions(JsonObject o) {
        List<String> q = strings(o, "sub_question");
        List<String> a = strings(o, "sub_answer");
        List<ShortQuestion> out = new ArrayList<>();
        for (int i = 0; i < Math.min(q.size(), a.size()); i++) {
            if (!q.get(i).isBlank() && !a.get(i).isBlank()) {
                out.add(new ShortQuestion(q.get(i), List.of(a.get(i))));
            }
        }
        return out;
    }

    /** Returns the string {@code key} of {@code o} followed by the strings of the array {@code aliases}. */
    private static List<String> withAliases(JsonObject o, String key, String aliases) {
        List<String> out = new ArrayList<>();
        if (str(o, key) != null) {
            out.add(str(o, key));
        }
        out.addAll(strings(o, aliases));
        return out;
    }

    /** Returns the strings of the array {@code key} of {@code o}, or none when it is absent. */
    private static List<String> strings(JsonObject o, String key) {
        List<String> out = new ArrayList<>();
        JsonElement e = o.get(key);
        if (e != null && e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                if (!x.isJsonNull()) {
                    out.add(x.getAsString());
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
