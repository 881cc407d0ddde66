package dev.amend.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.spi.InvalidRequestException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The answers of every row {@code bench suite} ran, kept in a JSON file beside the document ({@code "section/row"} →
 * command, commit, cores, date, seconds, result), so that one row or one section can be re-run and every table is
 * still rendered whole. Without a file it lives in memory only.
 */
final class SuiteStore {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    private final Path file;
    private final Map<String, SuiteSection.Run> runs = new TreeMap<>();

    private SuiteStore(Path file) {
        this.file = file;
    }

    /** Returns the store of {@code file} (read when it exists), or an in-memory one when {@code file} is null. */
    static SuiteStore open(Path file) {
        SuiteStore s = new SuiteStore(file);
        if (file != null && Files.isRegularFile(file)) {
            try {
                JsonObject root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
                for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("runs").entrySet()) {
                    JsonObject r = e.getValue().getAsJsonObject();
                    s.runs.put(e.getKey(), new SuiteSection.Run(r.get("command").getAsString(),
                            r.get("commit").getAsString(), r.get("cores").getAsInt(), r.get("date").getAsString(),
                            r.get("seconds").getAsDouble(), r.getAsJsonObject("result")));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new InvalidRequestException(file + " is not a results store of bench suite (" + e.getMessage()
                        + "): move it away or name another with --store", e);
            }
        }
        return s;
    }

    /** Returns the stored runs of {@code section}: row name → run. */
    Map<String, SuiteSection.Run> of(SuiteSection section) {
        Map<String, SuiteSection.Run> out = new LinkedHashMap<>();
        for (SuiteSection.Row row : section.rows()) {
            SuiteSection.Run r = runs.get(section.name() + "/" + row.name());
            if (r != null) {
                out.put(row.name(), r);
            }
        }
        return out;
    }

    /** Returns the run of {@code key} ({@code section/row}), or null. */
    SuiteSection.Run get(String key) {
        return runs.get(key);
    }

    /** Records {@code run} as the answer of {@code section/row} and writes the file (atomically) when there is one. */
    void put(String key, SuiteSection.Run run) {
        runs.put(key, run);
        if (file == null) {
            return;
        }
        JsonObject all = new JsonObject();
        runs.forEach((k, r) -> all.add(k, GSON.toJsonTree(r)));
        JsonObject root = new JsonObject();
        root.addProperty("about", "Answers of ./amend bench suite, one per table row; docs/results.md is rendered from"
                + " them. Regenerate with ./amend bench suite --out docs/results.md [--sections ...] [--rows ...].");
        root.add("runs", all);
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, GSON.toJson(root) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
