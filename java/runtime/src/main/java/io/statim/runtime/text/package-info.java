/**
 * Text pipelines: models that take text (BYTES) and return a standard schema, with their pre- and
 * post-processing declared in {@code config.pbtxt} {@code parameters}. {@link
 * io.statim.runtime.text.TextPipelineConfig} reads the steps; {@link
 * io.statim.runtime.text.TextEmbeddingInstance} runs a sentence-embedding model (tokenize, window, run
 * ONNX Runtime over staging buffers, pool, normalize). The ONNX backend picks it for a model when
 * {@link io.statim.runtime.text.TextPipelines#isTextPipeline} is true.
 */
package io.statim.runtime.text;
