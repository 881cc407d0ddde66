package dev.amend.runtime.editing;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import dev.amend.spi.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/** Reads a hyperparameter file (YAML as EasyEdit writes them, or JSON) into a key → value tree, and writes one. */
public final class HyperparameterFiles {
    private HyperparameterFiles() {
    }

    /** Returns the top-level mapping of {@code file}, or throws naming the file and the problem. */
    public static Map<String, Object> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidRequestException("hyperparameter file " + file + " does not exist");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read hyperparameter file " + file + ": " + e.getMessage(), e);
        }
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".json") ? parseJson(file.toString(), text) : parseYaml(file.toString(), text);
    }

    /** Returns the JSON object in {@code text}. */
    public static Map<String, Object> parseJson(String source, String text) {
        try {
            Map<String, Object> m = new Gson().fromJson(text, new TypeToken<Map<String, Object>>() { }.getType());
            if (m == null) {
                throw new InvalidRequestException(source + " is empty: expected a JSON object of hyperparameters");
            }
            return m;
        } catch (JsonParseException e) {
            throw new InvalidRequestException(source + " is not a JSON object of hyperparameters: " + e.getMessage(), e);
        }
    }

    /** Returns the YAML mapping in {@code text} (safe loading: no custom types). */
    public static Map<String, Object> parseYaml(String source, String text) {
        try {
            Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
            if (!(o instanceof Map<?, ?> m)) {
                throw new InvalidRequestException(source + " is not a YAML mapping of hyperparameters (key: value lines)");
            }
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), v));
            return out;
        } catch (YAMLException e) {
            throw new InvalidRequestException(source + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code values} to {@code file} as YAML (block style, keys in order) after {@code comments} (one
     * {@code #} line each); {@link #read} reads it back to the same values. Returns the file.
     */
    public static Path write(Path file, Map<String, ?> values, java.util.List<String> comments) throws IOException {
        org.yaml.snakeyaml.DumperOptions options = new org.yaml.snakeyaml.DumperOptions();
        options.setDefaultFlowStyle(org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK);
        options.setWidth(120);
        StringBuilder text = new StringBuilder();
        for (String c : comments) {
            text.append("# ").append(c.replace("\n", " ")).append('\n');
        }
        text.append(new Yaml(options).dump(new LinkedHashMap<>(values)));
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
