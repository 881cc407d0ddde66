package dev.amend.kit;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.TextCorpus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a local text corpus for layer statistics from a file. */
public final class CorpusFile {
    private CorpusFile() {
    }

    /**
     * Reads {@code file}: JSON lines ({@code .jsonl}/{@code .json}: one object per line with a {@code text}
     * field, or one string per line) or plain text (documents separated by blank lines).
     */
    public static TextCorpus read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidRequestException("corpus file " + file + " does not exist");
        }
        List<String> docs = new ArrayList<>();
        try {
            String name = file.getFileName().toString();
            if (name.endsWith(".jsonl") || name.endsWith(".json")) {
                int lineNo = 0;
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    lineNo++;
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        JsonElement e = JsonParser.parseString(line);
                        if (e.isJsonPrimitive()) {
                            docs.add(e.getAsString());
                        } else if (e.isJsonObject() && e.getAsJsonObject().has("text")) {
                            docs.add(e.getAsJsonObject().get("text").getAsString());
                        } else {
                            throw new InvalidRequestException(file + " line " + lineNo
                                    + ": expected a JSON object with a \"text\" field or a JSON string");
                        }
                    } catch (JsonParseException ex) {
                        throw new InvalidRequestException(file + " line " + lineNo + " is not JSON: " + ex.getMessage());
                    }
                }
            } else {
                StringBuilder cur = new StringBuilder();
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        if (cur.length() > 0) {
                            docs.add(cur.toString());
                            cur.setLength(0);
                        }
                    } else {
                        if (cur.length() > 0) {
                            cur.append('\n');
                        }
                        cur.append(line);
                    }
                }
                if (cur.length() > 0) {
                    docs.add(cur.toString());
                }
            }
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read corpus " + file + ": " + e.getMessage(), e);
        }
        if (docs.isEmpty()) {
            throw new InvalidRequestException("corpus " + file + " holds no text");
        }
        return TextCorpus.of(file.toString(), docs);
    }
}
