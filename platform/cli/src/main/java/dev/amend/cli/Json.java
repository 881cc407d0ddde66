package dev.amend.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** JSON output of the CLI's {@code --json} modes. */
final class Json {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues()
            .create();

    private Json() {
    }

    /** Returns {@code value} as one line of JSON. */
    static String of(Object value) {
        return GSON.toJson(value);
    }
}
