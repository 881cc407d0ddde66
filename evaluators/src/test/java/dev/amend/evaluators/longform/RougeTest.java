package dev.amend.evaluators.longform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * ROUGE against hand-computed cases and against the output of the Python package {@code rouge} 1.0.1
 * (pltrdy; the one the AnyEdit paper uses), run on the same strings.
 */
class RougeTest {
    static final double EPS = 1e-12;

    @Test
    void handComputedCases() {
        // ref words {the, cat, sat, on, mat} (5 distinct; "the" twice), hyp words {the, cat, is, on, mat}
        Rouge.Scores s = Rouge.score("the cat is on the mat", "the cat sat on the mat");
        assertEquals(4.0 / 5, s.rouge1().recall(), EPS);
        assertEquals(4.0 / 5, s.rouge1().precision(), EPS);
        // bigrams ref {the cat, cat sat, sat on, on the, the mat}; hyp {the cat, cat is, is on, on the, the mat}
        assertEquals(3.0 / 5, s.rouge2().recall(), EPS);
        // LCS "the cat on the mat" → word set {the, cat, on, mat} over 5 distinct reference words
        assertEquals(4.0 / 5, s.rougeL().recall(), EPS);
        assertEquals(2 * 0.8 * 0.8 / (1.6 + 1e-8), s.rouge1().f(), EPS);
        // identical texts
        Rouge.Scores same = Rouge.score("A b c. D e", "A b c. D e");
        assertEquals(1, same.rouge1().recall(), EPS);
        assertEquals(1, same.rouge2().recall(), EPS);
        assertEquals(1, same.rougeL().recall(), EPS);
        // case matters, periods split sentences and vanish, whitespace collapses
        assertEquals(0, Rouge.score("THE CAT", "the cat").rouge1().recall(), EPS);
        assertEquals(1, Rouge.score("the   cat.", "the cat").rouge1().recall(), EPS);
        // an empty generation scores 0 (the package raises)
        assertEquals(0, Rouge.score("", "the cat").rougeL().recall(), EPS);
    }

    @Test
    void matchesTheRougePackageOnItsReadmeExample() {
        String hyp = "the #### transcript is a written version of each day 's cnn student news program use this "
                + "transcript to he    lp students with reading comprehension and vocabulary use the weekly newsquiz "
                + "to test your knowledge of storie s you     saw on cnn student news";
        String ref = "this page includes the show transcript use the transcript to help students with reading "
                + "comprehension and     vocabulary at the bottom of the page , comment for a chance to be mentioned "
                + "on cnn student news . you must be a teac    her or a student age # # or older to request a mention "
                + "on the cnn student news roll call . the weekly newsquiz tests     students ' knowledge of even ts "
                + "in the news";
        Rouge.Scores s = Rouge.score(hyp, ref);
        assertEquals(0.42857142857142855, s.rouge1().recall(), EPS);
        assertEquals(0.5833333333333334, s.rouge1().precision(), EPS);
        assertEquals(0.49411764217577864, s.rouge1().f(), EPS);
        assertEquals(0.18571428571428572, s.rouge2().recall(), EPS);
        assertEquals(0.3170731707317073, s.rouge2().precision(), EPS);
        assertEquals(0.23423422957552154, s.rouge2().f(), EPS);
        assertEquals(0.3877551020408163, s.rougeL().recall(), EPS);
        assertEquals(0.5277777777777778, s.rougeL().precision(), EPS);
        assertEquals(0.44705881864636676, s.rougeL().f(), EPS);
    }

    @Test
    void matchesTheRougePackageOnALongFormAnswer() {
        Rouge.Scores s = Rouge.score("Lillian Lawrence is a sailor. She sailed the Atlantic and the Pacific.",
                "Lillian Lawrence has been working as a sailor. She sailed across the Atlantic. She has a degree.");
        assertEquals(0.5714285714285714, s.rouge1().recall(), EPS);
        assertEquals(0.7272727272727273, s.rouge1().precision(), EPS);
        assertEquals(0.3125, s.rouge2().recall(), EPS);
        assertEquals(0.45454545454545453, s.rouge2().precision(), EPS);
        assertEquals(0.5714285714285714, s.rougeL().recall(), EPS);
        assertEquals(0.639999995072, s.rougeL().f(), EPS);
    }
}
