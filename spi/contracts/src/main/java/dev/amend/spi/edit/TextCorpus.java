package dev.amend.spi.edit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
}
