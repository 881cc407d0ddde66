package dev.amend.kit;

import dev.amend.spi.model.ModelArchitecture;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** EasyEdit's {@code inner_params} for one-layer methods (GRACE, WISE): the block a weight name points at. */
public final class InnerParams {
    private static final Pattern LAYER = Pattern.compile("(?:\\.|\\[)(\\d+)(?:\\]|\\.)");

    private InnerParams() {
    }

    /** Returns the layer the first name of {@code innerParams} names, {@code fallback} when empty, -1 when none. */
    public static int layer(List<String> innerParams, int fallback) {
        if (innerParams.isEmpty()) {
            return fallback;
        }
        Matcher m = LAYER.matcher(innerParams.get(0));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * Adds to {@code problems} what is wrong with {@code innerParams} for a method that edits one block's MLP:
     * more than one name ({@code oneLayer} says why that is refused), a name outside a block's MLP ({@code example}
     * shows a good one), or a layer the model lacks.
     */
    public static void check(List<String> problems, List<String> innerParams, int layer, ModelArchitecture arch,
                             String oneLayer, String example) {
        if (innerParams.size() > 1) {
            problems.add(oneLayer + "; inner_params names " + innerParams.size() + " weights");
        }
        if (innerParams.isEmpty()) {
            return;
        }
        String name = innerParams.get(0);
        if (layer < 0 || !name.contains(".mlp.")) {
            problems.add("inner_params \"" + name + "\" does not name a weight of a block's MLP (e.g. \"" + example
                    + "\")");
        } else if (layer >= arch.layers()) {
            problems.add("inner_params \"" + name + "\" names layer " + layer + ", which the model lacks: it has layers"
                    + " 0.." + (arch.layers() - 1));
        }
    }
}
