package dev.amend.cli;

import java.util.Map;

/**
 * Writes rendered sections into {@code docs/results.md}: each section lives between the markers
 * {@code <!-- bench suite: NAME -->} and {@code <!-- /bench suite: NAME -->}. A rendered section replaces its block;
 * everything outside the blocks, and the blocks of sections not rendered, stay as they are. A section the document does
 * not hold yet goes before the first {@value #HISTORY} heading, or at the end.
 */
final class SuiteDocument {
    /** The heading under which tables no section regenerates are kept. */
    static final String HISTORY = "## History";

    private SuiteDocument() {
    }

    /** Returns the opening marker of section {@code name}. */
    static String begin(String name) {
        return "<!-- bench suite: " + name + " -->";
    }

    /** Returns the closing marker of section {@code name}. */
    static String end(String name) {
        return "<!-- /bench suite: " + name + " -->";
    }

    /** Returns {@code body} between the markers of section {@code name}. */
    static String block(String name, String body) {
        return begin(name) + "\n" + body.strip() + "\n" + end(name);
    }

    /** Returns {@code document} with the block of every section of {@code bodies} (name → body) replaced or added. */
    static String merge(String document, Map<String, String> bodies) {
        String doc = document;
        for (Map.Entry<String, String> e : bodies.entrySet()) {
            String block = block(e.getKey(), e.getValue());
            int from = doc.indexOf(begin(e.getKey()));
            int to = doc.indexOf(end(e.getKey()));
            if (from >= 0 && to > from) {
                doc = doc.substring(0, from) + block + doc.substring(to + end(e.getKey()).length());
            } else if (from >= 0 || to >= 0) {
                throw new dev.amend.spi.InvalidRequestException("the document has only one of the markers of section " + e.getKey()
                        + ": restore " + begin(e.getKey()) + " and " + end(e.getKey()) + " around it");
            } else {
                int history = doc.startsWith(HISTORY) ? 0 : doc.indexOf("\n" + HISTORY);
                if (history >= 0) {
                    int at = history == 0 ? 0 : history + 1;
                    doc = doc.substring(0, at) + block + "\n\n" + doc.substring(at);
                } else {
                    doc = doc.stripTrailing() + "\n\n" + block + "\n";
                }
            }
        }
        return doc;
    }
}
