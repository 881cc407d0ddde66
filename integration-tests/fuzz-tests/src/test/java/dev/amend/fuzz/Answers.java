package dev.amend.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/** The checks every answer of the host must pass, whatever it was sent. */
final class Answers {
    /** A Java class name in a message: a package path, a nested-class dollar or an exception type. */
    private static final Pattern CLASS_NAME = Pattern.compile("java\\.|javax\\.|dev\\.amend\\.|com\\.fasterxml"
            + "|\\$[A-Z]|[A-Za-z]+(Exception|Error)\\b");

    private Answers() {
    }

    /** Throws unless {@code r} is below 500 and, when a refusal, a JSON {error, message} naming no Java class. */
    static void check(HttpResponse<String> r, String sent) {
        if (r.statusCode() >= 500) {
            throw new AssertionError("HTTP " + r.statusCode() + " for " + abbreviated(sent) + ": " + r.body());
        }
        if (r.statusCode() >= 400) {
            JsonNode body;
            try {
                body = FuzzedHost.JSON.readTree(r.body());
            } catch (java.io.IOException e) {
                throw new AssertionError("HTTP " + r.statusCode() + " without a JSON body: " + r.body(), e);
            }
            if (body == null || !body.hasNonNull("error") || !body.hasNonNull("message")) {
                throw new AssertionError("a refusal carries {error, message}: " + r.body());
            }
            if (CLASS_NAME.matcher(withoutEchoes(body.get("message").asText(), sent)).find()) {
                throw new AssertionError("a Java class name in the message for " + abbreviated(sent) + ": "
                        + r.body());
            }
        }
    }

    /** Throws unless {@code r} refused the request (4xx), after {@link #check}. */
    static void refused(HttpResponse<String> r, String sent) {
        check(r, sent);
        if (r.statusCode() < 400) {
            throw new AssertionError("an invalid request was accepted (" + r.statusCode() + "): "
                    + abbreviated(sent));
        }
    }

    /**
     * Returns {@code message} without the texts of the request it answers ({@code sent}'s JSON keys and strings, or
     * {@code sent} itself when it is not JSON), so that an unknown key such as {@code "$Tx"} that the host names in
     * its refusal is not taken for a class name. Single characters are kept.
     */
    static String withoutEchoes(String message, String sent) {
        List<String> texts = new ArrayList<>();
        try {
            collect(FuzzedHost.JSON.readTree(sent), texts);
        } catch (java.io.IOException e) {
            texts.add(sent);
        }
        texts.sort(Comparator.comparingInt(String::length).reversed());
        String out = message;
        for (String t : texts) {
            if (t.length() >= 2) {
                out = out.replace(t, " ");
            }
        }
        return out;
    }

    private static void collect(JsonNode node, List<String> into) {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            into.add(node.asText());
        }
        node.fieldNames().forEachRemaining(into::add);
        node.elements().forEachRemaining(child -> collect(child, into));
    }

    /** Returns at most 400 characters of {@code text}. */
    static String abbreviated(String text) {
        return text.length() <= 400 ? text : text.substring(0, 400) + "... (" + text.length() + " chars)";
    }
}
