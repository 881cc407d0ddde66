package dev.amend.kit.trace;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.LayerLocator;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.LayerChoice;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code causal} locator: traces every fact (noise scaled by the spread of all the subjects' embeddings, as ROME
 * does), averages the traces by token position relative to the subject, and chooses the layer whose MLP output
 * has the highest average indirect effect at the subject's last token (or its first, if that is clearly higher),
 * and the consecutive layers with the highest summed effect there for multi-layer methods. Facts the model does
 * not know (the answer's clean probability under {@link CausalTrace#MIN_CLEAN_PROBABILITY}) are left out and listed.
 */
public final class CausalLocator implements LayerLocator {
    /** The subject's first token is chosen only when its peak effect is this many times the last token's. */
    static final double FIRST_TOKEN_MARGIN = 1.25;
    private final TraceSettings settings;

    /** Returns the locator with ROME's trace settings (what ServiceLoader makes). */
    public CausalLocator() {
        this(TraceSettings.DEFAULTS);
    }

    /** Returns the locator tracing with {@code settings} (their seed and embedding spread are set per call). */
    public CausalLocator(TraceSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "causal";
    }

    @Override
    public String description() {
        return "causal tracing (ROME): the layers whose MLP output carries most of the fact at the subject's last token";
    }

    @Override
    public LayerChoice locate(EditableModel model, List<EditRequest> facts, int rangeSize, long seed,
                              ProgressListener progress) {
        List<String> skipped = new ArrayList<>();
        List<TraceRequest> usable = new ArrayList<>();
        for (EditRequest f : facts) {
            TraceRequest r = new TraceRequest(f.prompt(), f.subject(), f.target());
            try {
                TracedPrompt.of(model, r);
                usable.add(r);
            } catch (InvalidRequestException e) {
                skipped.add(f.filledPrompt() + ": " + e.getMessage());
            }
        }
        if (usable.isEmpty()) {
            throw new InvalidRequestException("none of the " + facts.size() + " facts can be traced"
                    + (skipped.isEmpty() ? "" : ": " + skipped.get(0)));
        }
        double std = CausalTrace.embeddingStd(model, usable);
        TraceSettings s = new TraceSettings(settings.samples(), settings.noise(), settings.window(), seed, std);
        int layers = model.architecture().layers();
        TokenAverages averages = new TokenAverages(layers);
        int traced = 0;
        for (int i = 0; i < usable.size(); i++) {
            try {
                averages.add(CausalTrace.run(model, usable.get(i), s, ProgressListener.NONE, () -> false));
                traced++;
            } catch (InvalidRequestException e) {
                skipped.add(usable.get(i).prompt().replace("{}", usable.get(i).subject()) + ": " + e.getMessage());
            }
            progress.progress("locate (trace facts)", i + 1, usable.size());
        }
        if (traced == 0) {
            throw new InvalidRequestException("the model knows none of the " + facts.size() + " facts well enough to"
                    + " trace them: " + skipped.get(0));
        }
        return choose(averages, traced, skipped, Math.max(1, Math.min(rangeSize, layers)), s);
    }

    private static LayerChoice choose(TokenAverages averages, int traced, List<String> skipped, int k,
                                      TraceSettings s) {
        Map<String, double[][]> evidence = new LinkedHashMap<>();
        for (TraceKind kind : TraceKind.values()) {
            evidence.put(kind.id(), averages.average(kind));
        }
        double[][] mlp = evidence.get(TraceKind.MLP.id());
        int lastPeak = peak(mlp, TokenAverages.SUBJECT_LAST);
        int firstPeak = peak(mlp, TokenAverages.SUBJECT_FIRST);
        // ROME's subject_last unless the first token clearly carries more (a one-token subject is both: a tie)
        boolean first = mlp[firstPeak][TokenAverages.SUBJECT_FIRST]
                > FIRST_TOKEN_MARGIN * mlp[lastPeak][TokenAverages.SUBJECT_LAST];
        int row = first ? TokenAverages.SUBJECT_FIRST : TokenAverages.SUBJECT_LAST;
        int layer = first ? firstPeak : lastPeak;
        int start = 0;
        for (int a = 1; a + k <= mlp.length; a++) {
            start = sum(mlp, row, a, k) > sum(mlp, row, start, k) ? a : start;
        }
        List<Integer> range = new ArrayList<>();
        for (int l = start; l < start + k; l++) {
            range.add(l);
        }
        List<String> why = new ArrayList<>();
        why.add(String.format(Locale.ROOT, "traced %d facts (%d left out), %d noise samples each, noise %.3g x %.4g"
                + " (the spread of the subjects' embeddings), MLP and attention restored over windows of %d layers",
                traced, skipped.size(), s.samples(), s.noise(), s.embeddingStd(), s.windowFor(mlp.length)));
        why.add("average MLP indirect effect at the subject's last token by layer: " + byLayer(mlp,
                TokenAverages.SUBJECT_LAST) + "; it peaks at layer " + lastPeak);
        why.add("at the subject's first token: " + byLayer(mlp, TokenAverages.SUBJECT_FIRST) + "; it peaks at layer "
                + firstPeak);
        why.add(String.format(Locale.ROOT, "so the token rule is %s (ROME's subject_last unless the first token's peak"
                + " is over %.2f times the last's) and ROME edits layer %d (effect %.3f)",
                first ? "subject_first" : "subject_last", FIRST_TOKEN_MARGIN, layer, mlp[layer][row]));
        why.add(String.format(Locale.ROOT, "the %d consecutive layers with the largest summed effect there are %d..%d"
                + " (sum %.3f): MEMIT and AlphaEdit edit them", k, start, start + k - 1, sum(mlp, row, start, k)));
        double[][] attention = evidence.get(TraceKind.ATTENTION.id());
        int mlpLast = peak(mlp, TokenAverages.LAST);
        int attentionLast = peak(attention, TokenAverages.LAST);
        why.add(String.format(Locale.ROOT, "at the prompt's last token the MLP effect peaks at layer %d (%.3f) and the"
                + " attention effect at layer %d (%.3f): there the recalled fact is read out for this wording of the"
                + " prompt, so an edit there would not carry over to other wordings and is not chosen", mlpLast,
                mlp[mlpLast][TokenAverages.LAST], attentionLast, attention[attentionLast][TokenAverages.LAST]));
        return new LayerChoice(layer, range, first ? "subject_first" : "subject_last", TokenAverages.ROWS, evidence,
                traced, skipped, why);
    }

    private static int peak(double[][] m, int row) {
        int best = 0;
        for (int l = 1; l < m.length; l++) {
            best = m[l][row] > m[best][row] ? l : best;
        }
        return best;
    }

    private static double sum(double[][] m, int row, int start, int k) {
        double s = 0;
        for (int l = start; l < start + k; l++) {
            s += m[l][row];
        }
        return s;
    }

    private static String byLayer(double[][] m, int row) {
        List<String> parts = new ArrayList<>();
        for (int l = 0; l < m.length; l++) {
            parts.add(String.format(Locale.ROOT, "%d: %.3f", l, m[l][row]));
        }
        return String.join(", ", parts);
    }
}
