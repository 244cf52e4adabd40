package io.statim.runtime.text;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.device.SharedBuffer;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Tensor;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.ExecutionPhases;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.lora.LoraModel;
import io.statim.runtime.onnx.OnnxLoraInputs;
import io.statim.runtime.onnx.OnnxSessions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One instance of a text-embedding model (a BERT-style encoder such as all-MiniLM-L6-v2 served as
 * {@code minilm}): BYTES texts in, one FP32 embedding per text out. The steps are declared in the
 * model's config, see {@link TextPipelineConfig}.
 *
 * <p>{@link #execute} tokenizes every text of every request of the batch, pads the windows to the
 * longest, runs the ONNX graph once over tensors in the device's {@link MemoryUse#STAGING} memory (the
 * token embeddings are written by ONNX Runtime straight into a pinned staging buffer), and pools the
 * embeddings of all texts into one {@link MemoryUse#OUTPUT} buffer {@code [texts, D]}. Each response's
 * output is a slice of that buffer, shared by the batch's responses through a {@link SharedBuffer}: the
 * buffer returns to its pool when the last response is released. Staging memory is released before
 * {@code execute} returns or throws. Tokenization allocates (strings, encodings); tensor memory comes
 * from the device's pools.
 *
 * <p>LoRA: with {@link InstanceSpec#lora()} the instance runs the graph rewritten for adapters, fed the
 * shared slot pools (bound once, see {@link OnnxLoraInputs}) and a slot per token window: the
 * {@link InferenceRequest#adapterSlot()} of the request the window's text came from.
 *
 * <p>Thread safety: as any {@link ModelInstance}, used by its worker thread only. Errors name the model,
 * counts and sizes, never a text or a token.
 */
public final class TextEmbeddingInstance implements ModelInstance {
    private final ExecutionPhases phases = new ExecutionPhases();
    private final String modelName;
    private final long version;
    private final TextPipelineConfig pipeline;
    private final Device device;
    private final WindowingTokenizer tokenizer;
    private final OrtSession session;
    private final BertGraph graph;
    private final EmbeddingPooler pooler;
    private final OnnxLoraInputs lora;

    /**
     * Opens the tokenizer and the ONNX Runtime session of one version of a text-embedding model.
     *
     * @throws StatusException INVALID_ARGUMENT when the pipeline config, the tokenizer or the graph does
     *     not fit; NOT_FOUND when the version has no directory. Nothing is left open.
     */
    public TextEmbeddingInstance(ModelSource source, long version, InstanceSpec spec, Device device) {
        this.modelName = source.name();
        this.version = version;
        this.pipeline = TextPipelineConfig.from(source.config());
        this.device = device;
        Path modelFile = source.modelFile(version);
        this.tokenizer = new WindowingTokenizer(modelName, pipeline.tokenizerPath(modelFile.getParent()),
                pipeline.maxSequenceLength(), pipeline.longText());
        OrtSession opened = null;
        LoraModel loraModel = spec.lora();
        try {
            if (loraModel == null) {
                opened = OnnxSessions.open(modelFile, spec.intraOpThreads());
                this.graph = BertGraph.of(opened, modelName, pipeline.embeddingSize());
                this.lora = null;
            } else {
                opened = OnnxSessions.open(loraModel.modelBytes(), modelFile.getFileName() + " rewritten for LoRA", spec.intraOpThreads());
                this.graph = BertGraph.of(opened, modelName, pipeline.embeddingSize(), loraModel.inputNames());
                this.lora = OnnxLoraInputs.create(OnnxSessions.environment(), loraModel);
            }
        } catch (RuntimeException e) {
            if (opened != null) {
                closeSession(opened, e);
            }
            tokenizer.close();
            throw e;
        }
        this.session = opened;
        this.pooler = new EmbeddingPooler(pipeline.pooling(), pipeline.normalization(), pipeline.embeddingSize());
    }

    /** The parsed pipeline this instance runs. */
    public TextPipelineConfig pipeline() {
        return pipeline;
    }

    /**
     * Embeds the texts of all requests as one batch; see the class javadoc for memory and ownership.
     *
     * @throws StatusException INTERNAL when tokenization or ONNX Runtime fails; RESOURCE_EXHAUSTED when a
     *     memory budget of the device is spent; INVALID_ARGUMENT when a request lacks the text input
     */
    @Override
    public List<InferenceResponse> execute(List<InferenceRequest> batch) {
        if (batch.isEmpty()) {
            return List.of();
        }
        int[] rows = new int[batch.size()];
        List<String> texts = texts(batch, rows);
        DeviceBuffer out = embed(texts, lora == null ? null : textSlots(batch, rows, texts.size()));
        SharedBuffer shared = new SharedBuffer(out, batch.size());
        List<InferenceResponse> responses = new ArrayList<>(batch.size());
        long rowBytes = (long) pipeline.embeddingSize() * Float.BYTES;
        long offset = 0;
        for (int i = 0; i < batch.size(); i++) {
            InferenceRequest request = batch.get(i);
            List<Tensor> outputs = List.of();
            if (wants(request)) {
                outputs = List.of(new Tensor(pipeline.outputName(), DataType.FP32, pipeline.outputShape(rows[i]),
                        out.segment().asSlice(offset, rows[i] * rowBytes)));
            }
            offset += rows[i] * rowBytes;
            responses.add(new InferenceResponse(modelName, version, request.id(), outputs, List.of(shared)));
        }
        return responses;
    }

    /** The texts of all requests, in order; {@code rows[i]} is the number of texts of request i. */
    private List<String> texts(List<InferenceRequest> batch, int[] rows) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Tensor input = batch.get(i).input(pipeline.inputName());
            if (input == null || input.dataType() != DataType.BYTES) {
                throw new StatusException(Code.INVALID_ARGUMENT, "model '" + modelName + "' needs the BYTES input '"
                        + pipeline.inputName() + "'");
            }
            List<String> strings;
            try {
                strings = input.strings();
            } catch (IllegalStateException malformed) {
                // The message gives element counts and byte sizes only.
                throw new StatusException(Code.INVALID_ARGUMENT, "model '" + modelName + "' input '" + pipeline.inputName()
                        + "': " + malformed.getMessage());
            }
            rows[i] = strings.size();
            texts.addAll(strings);
        }
        return texts;
    }

    /** The adapter slot of each text: its request's, for each of the request's texts. */
    private static int[] textSlots(List<InferenceRequest> batch, int[] rows, int texts) {
        int[] slots = new int[texts];
        int text = 0;
        for (int i = 0; i < batch.size(); i++) {
            int slot = batch.get(i).adapterSlot();
            for (int j = 0; j < rows[i]; j++) {
                slots[text++] = slot;
            }
        }
        return slots;
    }

    /** One OUTPUT buffer holding an embedding per text; nothing else stays leased, also on failure. */
    private DeviceBuffer embed(List<String> texts, int[] textSlots) {
        long start = System.nanoTime();
        TokenWindows windows = tokenize(texts);
        DeviceBuffer out = device.allocate((long) texts.size() * pipeline.embeddingSize() * Float.BYTES, MemoryUse.OUTPUT);
        try {
            if (windows.maxLength() == 0) {
                out.segment().fill((byte) 0);
                return out;
            }
            try (BatchTensors tensors = BatchTensors.create(OnnxSessions.environment(), device, windows, graph,
                    pipeline.embeddingSize(), lora, textSlots)) {
                long inferStart = System.nanoTime();
                // The token embeddings land in the pinned buffer; the result holds nothing else.
                session.run(tensors.inputs(), pinnedOutput(tensors)).close();
                long inferEnd = System.nanoTime();
                pooler.pool(tensors.tokenEmbeddingsData(), windows, out.segment());
                phases.set(inferStart - start, inferEnd - inferStart, System.nanoTime() - inferEnd);
            }
            return out;
        } catch (OrtException e) {
            out.release();
            // The cause is left out: ONNX Runtime's messages may quote token ids, which are the text.
            throw new StatusException(Status.internal("model '" + modelName + "' version " + version
                    + ": ONNX Runtime failed on " + windows.windowCount() + " windows of up to " + windows.maxLength()
                    + " tokens (" + e.getCode() + ")"));
        } catch (RuntimeException e) {
            out.release();
            throw e instanceof StatusException se ? se : internal("embedding", e, e);
        }
    }

    @Override
    public ExecutionPhases phases() {
        return phases;
    }

    /** Only the pinned output is computed; the graph's other outputs (a pooler's) are skipped. */
    private Map<String, OnnxTensor> pinnedOutput(BatchTensors tensors) {
        return Map.of(graph.tokenEmbeddingsName(), tensors.tokenEmbeddings());
    }

    private TokenWindows tokenize(List<String> texts) {
        try {
            return tokenizer.tokenize(texts);
        } catch (RuntimeException e) {
            // Only the exception's class: a tokenizer's message may quote the text.
            throw internal("tokenization", e, null);
        }
    }

    private boolean wants(InferenceRequest request) {
        return request.requestedOutputs().isEmpty() || request.requestedOutputs().contains(pipeline.outputName());
    }

    private StatusException internal(String step, RuntimeException e, Throwable cause) {
        Status status = Status.internal("model '" + modelName + "' version " + version + ": " + step + " failed ("
                + e.getClass().getSimpleName() + ")");
        return cause == null ? new StatusException(status) : new StatusException(status, cause);
    }

    /**
     * Closes the session and the tokenizer.
     *
     * @throws StatusException INTERNAL when ONNX Runtime fails to close the session; the tokenizer is
     *     closed all the same
     */
    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new StatusException(Status.internal("model '" + modelName + "' version " + version
                    + ": closing the ONNX Runtime session failed (" + e.getCode() + ")"), e);
        } finally {
            tokenizer.close();
            if (lora != null) {
                lora.close();
            }
        }
    }

    private static void closeSession(OrtSession session, RuntimeException failure) {
        try {
            session.close();
        } catch (OrtException e) {
            failure.addSuppressed(e);
        }
    }
}
