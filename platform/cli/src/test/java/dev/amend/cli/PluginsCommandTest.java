package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.runtime.plugins.PluginJars;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code amend plugins} and {@code --plugins-dir} on a jar compiled in the test and a broken one. */
class PluginsCommandTest {
    @TempDir
    Path dir;

    private static JsonObject find(JsonArray a, String field, String value) {
        for (JsonElement e : a) {
            if (e.getAsJsonObject().get(field).getAsString().endsWith(value)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError(value + " not in " + a);
    }

    @Test
    void listsJarsWithStatusAndReasonAndEveryMethodWithOriginAndDefaults() throws Exception {
        PluginJars.builder().editor("p.cli", "cli-plugin", "3.1").writeTo(dir.resolve("cli-plugin.jar"));
        Files.writeString(dir.resolve("broken.jar"), "not a zip");
        Object[] r = run("plugins", "--dir", dir.toString(), "--json");
        assertEquals(0, r[0], (String) r[2]);
        JsonObject o = JsonParser.parseString(((String) r[1]).strip()).getAsJsonObject();
        assertEquals(dir.toAbsolutePath().toString(), o.get("directory").getAsString());
        JsonArray plugins = o.getAsJsonArray("plugins");
        assertEquals(2, plugins.size());
        JsonObject ok = find(plugins, "file", "cli-plugin.jar");
        assertEquals("LOADED", ok.get("status").getAsString());
        assertEquals("cli-plugin", ok.getAsJsonArray("editors").get(0).getAsJsonObject().get("name").getAsString());
        JsonObject broken = find(plugins, "file", "broken.jar");
        assertEquals("FAILED", broken.get("status").getAsString());
        assertTrue(broken.get("reason").getAsString().contains("not a readable jar"), broken.toString());
        assertEquals("demo", o.get("defaults_for").getAsString());
        JsonObject rome = find(o.getAsJsonArray("editors"), "name", "rome");
        assertEquals("classpath", rome.get("origin").getAsString());
        JsonObject layers = find(rome.getAsJsonArray("hyperparameters"), "name", "layers");
        assertEquals("list<int>", layers.get("type").getAsString());
        assertEquals("[1]", layers.get("default").toString(), "ROME's demo profile edits layer 1");
        JsonObject plugin = find(o.getAsJsonArray("editors"), "name", "cli-plugin");
        assertEquals("plugin:cli-plugin.jar", plugin.get("origin").getAsString());
        assertEquals("3.1", plugin.get("version").getAsString());
        assertEquals(5, find(plugin.getAsJsonArray("hyperparameters"), "name", "layer").get("default").getAsInt());
        JsonObject counterfact = find(o.getAsJsonArray("evaluators"), "name", "counterfact");
        assertEquals("classpath", counterfact.get("origin").getAsString());

        Object[] table = run("plugins", "--dir", dir.toString());
        assertEquals(0, table[0]);
        assertTrue(((String) table[1]).contains("broken.jar") && ((String) table[1]).contains("FAILED"), (String) table[1]);
    }

    @Test
    void editSeesThePluginsDirectory() throws Exception {
        PluginJars.builder().editor("p.cli2", "cli-plugin-two", "1").writeTo(dir.resolve("two.jar"));
        Object[] unknown = run("edit", "--plugins-dir", dir.toString(), "--method", "nope", "--prompt",
                "The capital of {} is", "--subject", "France", "--target", "Rome");
        assertEquals(2, unknown[0]);
        assertTrue(((String) unknown[2]).contains("unknown method \"nope\": installed methods are ")
                && ((String) unknown[2]).contains("cli-plugin-two"), (String) unknown[2]);
        Object[] edit = run("edit", "--plugins-dir", dir.toString(), "--method", "cli-plugin-two", "--prompt",
                "The capital of {} is", "--subject", "France", "--target", "Rome", "--json");
        assertEquals(0, edit[0], (String) edit[2]);
        String[] lines = ((String) edit[1]).strip().split("\n");
        JsonObject o = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        assertEquals("cli-plugin-two", o.get("method").getAsString());
        // the test plugin's edit has no deltas: the answer is unchanged
        assertEquals(o.get("before").getAsString(), o.get("after").getAsString());
    }
}
