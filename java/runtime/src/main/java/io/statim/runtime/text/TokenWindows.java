package io.statim.runtime.text;

import java.util.ArrayList;
import java.util.List;

/**
 * The token windows of one batch of texts: each text has one window, or several when it is chunked.
 * The windows of a text are consecutive, in text order. Built by {@link WindowingTokenizer}; read once
 * to fill the model's inputs and once to pool its outputs. Not thread-safe.
 */
final class TokenWindows {
    /**
     * One sequence fed to the model.
     *
     * @param ids     token ids, special tokens included
     * @param typeIds token type ids, as long as {@code ids}
     * @param weight  tokens of text in the window (special tokens excluded), its weight in a chunked average
     */
    record Window(long[] ids, long[] typeIds, int weight) {
        int length() {
            return ids.length;
        }
    }

    private final List<Window> windows = new ArrayList<>();
    private final List<Integer> firstWindowOfText = new ArrayList<>();
    private int maxLength;

    /** Starts the windows of the next text. */
    void startText() {
        firstWindowOfText.add(windows.size());
    }

    /** Adds a window to the current text. */
    void add(Window window) {
        windows.add(window);
        maxLength = Math.max(maxLength, window.length());
    }

    int textCount() {
        return firstWindowOfText.size();
    }

    int windowCount() {
        return windows.size();
    }

    /** The longest window: the padded sequence length of the batch. */
    int maxLength() {
        return maxLength;
    }

    Window window(int index) {
        return windows.get(index);
    }

    /** The first window of a text. */
    int firstWindow(int text) {
        return firstWindowOfText.get(text);
    }

    /** One past the last window of a text. */
    int endWindow(int text) {
        return text + 1 < firstWindowOfText.size() ? firstWindowOfText.get(text + 1) : windows.size();
    }
}
