package dev.amend.runtime.plugins;

import java.util.Map;
import java.util.Optional;

/**
 * Who called System.exit, read from the stacks of the JVM's threads while it shuts down: the first frame below
 * {@code Runtime.exit} outside {@code java.lang.System} and {@code java.lang.Runtime}.
 */
final class ExitCaller {
    private ExitCaller() {
    }

    /** Returns the frame that called System.exit (or Runtime.exit) on one of {@code stacks}, if any did. */
    static Optional<StackTraceElement> find(Map<Thread, StackTraceElement[]> stacks) {
        for (StackTraceElement[] stack : stacks.values()) {
            for (int i = 0; i < stack.length; i++) {
                if (stack[i].getClassName().equals("java.lang.Runtime") && stack[i].getMethodName().equals("exit")) {
                    for (int k = i + 1; k < stack.length; k++) {
                        String c = stack[k].getClassName();
                        if (!c.equals("java.lang.System") && !c.equals("java.lang.Runtime")) {
                            return Optional.of(stack[k]);
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Returns the plugin jar's file name when {@code frame} runs in a plugin's class loader ("plugin:NAME.jar"). */
    static Optional<String> pluginJar(StackTraceElement frame) {
        String loader = frame.getClassLoaderName();
        return loader != null && loader.startsWith("plugin:") ? Optional.of(loader.substring("plugin:".length()))
                : Optional.empty();
    }

    /** Returns {@code frame} as "class.method (File.java:line)". */
    static String describe(StackTraceElement frame) {
        return frame.getClassName() + "." + frame.getMethodName()
                + (frame.getFileName() == null ? "" : " (" + frame.getFileName() + ":" + frame.getLineNumber() + ")");
    }
}
