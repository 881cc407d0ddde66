package dev.amend.spi.kit;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amend.spi.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A local text corpus for layer statistics: documents and a hash of their content (part of the
 * statistics' cache key).
 *
 * @param name      where it came from
 * @param documents the texts
 * @param sha256    hex SHA-256 of the documents
 */
public record TextCorpus(String name, List<String> documents, String sha256) {

    /** Copies the documents. */
    public TextCorpus {
        documents = List.copyOf(documents);
    }

    /** Returns a corpus of {@code documents} called {@code name}. */
    public static TextCorpus of(String name, List<String> documents) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String doc : documents) {
                d.update(doc.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return new TextCorpus(name, documents, HexFormat.of().formatHex(d.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
        return of(file.toString(), docs);
    }
}
