package dev.amend.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Facts a model knows, for tracing: from a JSON array or JSON-lines file of {@code {"prompt", "subject", "target"}}
 * objects or CounterFact records (their {@code requested_rewrite} with the true target), in file order; or the demo
 * corpus's facts ({@code all}, or {@code heldout}: the part learned editors never train on), drawn with a seed,
 * each asked with its relation's first training template.
 */
final class FactsFile {
    private FactsFile() {
    }

    /** Returns up to {@code n} facts from {@code source} (a file, {@code all} or {@code heldout}). */
    static List<EditRequest> read(String source, int n, long seed) {
        if (n < 1) {
            throw new InvalidRequestException("--n must be at least 1, not " + n);
        }
        if (source.equals("all") || source.equals("heldout")) {
            return corpus(source.equals("heldout"), n, seed);
        }
        Path file = Path.of(source);
        if (!Files.isRegularFile(file)) {
            throw new InvalidRequestException("facts file " + file + " does not exist (give a JSON or JSON-lines file,"
                    + " or all / heldout for the demo corpus)");
        }
        List<JsonElement> items = new ArrayList<>();
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (text.startsWith("[")) {
                JsonParser.parseString(text).getAsJsonArray().forEach(items::add);
            } else {
                for (String line : text.split("\n")) {
                    if (!line.isBlank()) {
                        items.add(JsonParser.parseString(line));
                    }
                }
            }
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new InvalidRequestException("cannot read facts file " + file + ": " + e.getMessage(), e);
        }
        List<EditRequest> out = new ArrayList<>();
        for (int i = 0; i < items.size() && out.size() < n; i++) {
            out.add(fact(items.get(i), file + " fact " + (i + 1)));
        }
        if (out.isEmpty()) {
            throw new InvalidRequestException("facts file " + file + " holds no facts");
        }
        return out;
    }

    private static EditRequest fact(JsonElement e, String where) {
        if (!e.isJsonObject()) {
            throw new InvalidRequestException(where + " is not a JSON object");
        }
        JsonObject o = e.getAsJsonObject();
        if (o.has("requested_rewrite")) {
            JsonObject r = o.getAsJsonObject("requested_rewrite");
            JsonObject target = r.getAsJsonObject("target_true");
            return EditRequest.of(text(r, "prompt", where), text(r, "subject", where),
                    target == null ? text(r, "target", where) : text(target, "str", where));
        }
        return EditRequest.of(text(o, "prompt", where), text(o, "subject", where), text(o, "target", where));
    }

    private static String text(JsonObject o, String key, String where) {
        JsonElement v = o.get(key);
        if (v == null || !v.isJsonPrimitive()) {
            throw new InvalidRequestException(where + " has no \"" + key + "\": each fact is {\"prompt\": \"The capital"
                    + " of {} is\", \"subject\": \"France\", \"target\": \"Paris\"} or a CounterFact record");
        }
        return v.getAsString();
    }

    private static List<EditRequest> corpus(boolean heldout, int n, long seed) {
        FactCorpus corpus = FactCorpus.load();
        List<Fact> pool = new ArrayList<>(heldout ? EditorSplit.HELDOUT.facts(corpus) : corpus.facts());
        Collections.shuffle(pool, new Random(seed));
        List<EditRequest> out = new ArrayList<>();
        for (Fact f : pool.subList(0, Math.min(n, pool.size()))) {
            out.add(EditRequest.of(corpus.relation(f.relation()).trainTemplates().get(0), f.subject(), f.object()));
        }
        return out;
    }
}
