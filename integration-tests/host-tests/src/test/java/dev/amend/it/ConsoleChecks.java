package dev.amend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * Checks of the console that are not about editing: accessibility (axe-core's WCAG 2.1 A/AA and best-practice
 * rules inside the browser, and keyboard use: every control reachable with Tab and showing a focus ring) and the
 * first load's weight and timing (the browser's Resource and Navigation Timing).
 */
final class ConsoleChecks {
    private ConsoleChecks() {
    }

    /**
     * What the first load of the page cost.
     *
     * @param bytes        bytes transferred (headers and bodies) for the page, its files and its first API calls
     * @param staticBytes  the part of {@code bytes} for the HTML, CSS and scripts
     * @param requests     requests made
     * @param interactive  ms from navigation start until the DOM was interactive
     * @param loaded       ms until the load event ended
     * @param ready        ms until the console had loaded its data and enabled its controls
     */
    record FirstLoad(long bytes, long staticBytes, int requests, double interactive, double loaded, double ready) {
    }

    /** Returns the first load's weight and timing, read from the browser's performance entries. */
    static FirstLoad firstLoad(ConsoleBrowser browser) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) browser.script("""
                const nav = performance.getEntriesByType('navigation')[0];
                const resources = performance.getEntriesByType('resource');
                const api = resources.filter(r => r.initiatorType === 'fetch');
                const sum = list => list.reduce((s, r) => s + r.transferSize, 0);
                return { bytes: nav.transferSize + sum(resources),
                         staticBytes: nav.transferSize + sum(resources) - sum(api),
                         requests: resources.length + 1,
                         interactive: nav.domInteractive, loaded: nav.loadEventEnd,
                         ready: performance.getEntriesByName('console-ready')[0].startTime };""");
        return new FirstLoad(((Number) m.get("bytes")).longValue(), ((Number) m.get("staticBytes")).longValue(),
                ((Number) m.get("requests")).intValue(), ((Number) m.get("interactive")).doubleValue(),
                ((Number) m.get("loaded")).doubleValue(), ((Number) m.get("ready")).doubleValue());
    }

    /** Returns axe-core's violations on the visible page, one line per rule and element (empty when none). */
    static List<String> accessibilityViolations(ConsoleBrowser browser) throws IOException {
        if (!Boolean.TRUE.equals(browser.script("return typeof window.axe === 'object'"))) {
            browser.script(axeSource());
        }
        @SuppressWarnings("unchecked")
        List<String> found = (List<String>) browser.driver().executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                axe.run(document, { runOnly: { type: 'tag',
                        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
                    .then(r => done(['label', 'color-contrast']
                        .filter(rule => !r.passes.some(p => p.id === rule))
                        .map(rule => 'axe did not check ' + rule)
                        .concat(r.violations.flatMap(v => v.nodes.map(n =>
                            v.id + ' (' + v.impact + '): ' + v.help + ' at ' + n.target.join(' '))))))
                    .catch(e => done(['axe failed: ' + e]));""");
        return found;
    }

    private static String axeSource() throws IOException {
        String resource = System.getProperty("amend.axe.script");
        try (InputStream in = ConsoleChecks.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("axe-core is not on the test class path (" + resource + ")");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Tabs through the page from its first control and checks that every visible control of the navigation and of
     * section {@code id} receives the focus and shows a focus ring.
     */
    static void keyboardReachesEverything(ConsoleBrowser browser, String id) {
        List<WebElement> controls = new ArrayList<>();
        for (WebElement e : browser.driver().findElements(By.cssSelector("nav a, #" + id
                + " :is(a[href], button, input, select, textarea, summary)"))) {
            if (e.isDisplayed() && e.isEnabled()) {
                controls.add(e);
            }
        }
        browser.script("document.querySelector('.skip').focus()");
        List<WebElement> reached = new ArrayList<>();
        Actions keys = new Actions(browser.driver());
        for (int i = 0; i < 200 && reached.size() < controls.size(); i++) {
            keys.sendKeys(Keys.TAB).perform();
            WebElement focused = browser.driver().switchTo().activeElement();
            if (controls.contains(focused) && !reached.contains(focused)) {
                String ring = (String) browser.script("const s = getComputedStyle(arguments[0]);"
                        + " return s.outlineStyle + ' ' + s.outlineWidth", focused);
                assertTrue(!ring.startsWith("none") && !ring.endsWith(" 0px"), "a focus ring on "
                        + describe(focused) + ": " + ring);
                reached.add(focused);
            }
        }
        List<String> unreached = controls.stream().filter(c -> !reached.contains(c)).map(ConsoleChecks::describe)
                .toList();
        assertEquals(List.of(), unreached, "controls of #" + id + " that Tab never reached");
    }

    private static String describe(WebElement e) {
        String id = e.getAttribute("id");
        return e.getTagName() + (id == null || id.isEmpty() ? " \"" + e.getText() + "\"" : "#" + id);
    }
}
