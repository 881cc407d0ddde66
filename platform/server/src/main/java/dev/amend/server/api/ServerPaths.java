package dev.amend.server.api;

import java.util.regex.Pattern;

/**
 * Keeps server paths out of what unauthenticated callers see: absolute filesystem paths in a text become their last
 * part (the ledger directory {@code /data/demo-1a2b} reads {@code demo-1a2b}). Callers with the token see them whole.
 */
public final class ServerPaths {
    private static final Pattern ABSOLUTE = Pattern.compile("(?<![\\w.:/])/(?:[^\\s()\"'/]+/)*([^\\s()\"'/]+)/?");

    private ServerPaths() {
    }

    /** Returns {@code text} with every absolute path replaced by its last part; null stays null. */
    public static String hide(String text) {
        return text == null ? null : ABSOLUTE.matcher(text).replaceAll("$1");
    }
}
