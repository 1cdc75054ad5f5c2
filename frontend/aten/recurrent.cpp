// Recurrent layers (aten::lstm, aten::gru, aten::rnn_tanh, aten::rnn_relu) unrolled over the sequence, whose
// length is static once the input shape is known.
//
// For each layer and direction, the input projection of every time step is one linear over the whole
// sequence (one GEMM instead of T small ones); each step then adds the hidden projection linear(h, W_hh,
// b_hh), splits the gates and updates the state with PyTorch's equations:
//   LSTM  i, f, g, o = gates;  c' = σ(f) c + σ(i) tanh(g);  h' = σ(o) tanh(c')
//   GRU   r = σ(x_r + h_r);  z = σ(x_z + h_z);  n = tanh(x_n + r h_n);  h' = n + z (h - n)
//   RNN   h' = tanh or relu(x + h_proj)
// A reverse direction walks the steps backwards. The layer's output stacks the per-step h along the time
// dimension (both directions concatenated on features) and feeds the next layer; h_n (and c_n) stack the
// final states of every layer and direction. Training-mode dropout, packed sequences and LSTM projections
// (proj_size) are reported as unsupported variants.
#include <optional>

#include "frontend/aten/families.h"

namespace kiln::frontend {
namespace {

using Ctx = LoweringContext;
using ir::ValueId;

enum class Cell { Lstm, Gru, RnnTanh, RnnRelu };

int gatesOf(Cell cell) {
  return cell == Cell::Lstm ? 4 : cell == Cell::Gru ? 3 : 1;
}

struct Weights {
  ValueId w_ih, w_hh;
  std::optional<ValueId> b_ih, b_hh;
};

ValueId linearOf(Ctx& c, ValueId x, ValueId weight, std::optional<ValueId> bias) {
  std::vector<ValueId> inputs = {x, weight};
  if (bias) inputs.push_back(*bias);
  return c.emit("linear", inputs);
}

struct State {
  ValueId h;
  std::optional<ValueId> c;  // LSTM only
};

// One time step: `projected` is the step's input projection [B, G*H].
State step(Ctx& c, Cell cell, const Weights& w, ValueId projected, const State& state, int64_t hidden) {
  ValueId recurrent = linearOf(c, state.h, w.w_hh, w.b_hh);
  auto sigmoid = [&](ValueId v) { return c.emit("sigmoid", {v}); };
  auto tanh = [&](ValueId v) { return c.emit("tanh", {v}); };
  if (cell == Cell::RnnTanh || cell == Cell::RnnRelu)
    return {c.emit(cell == Cell::RnnTanh ? "tanh" : "relu", {c.emit("add", {projected, recurrent})}), {}};
  const std::vector<int64_t> sizes(gatesOf(cell), hidden);
  const ir::Attributes split = {{"dim", int64_t{1}}, {"sizes", sizes}};
  if (cell == Cell::Lstm) {
    std::vector<ValueId> g = c.emitMulti("split", {c.emit("add", {projected, recurrent})}, split);
    ValueId cell_state =
        c.emit("add", {c.emit("mul", {sigmoid(g[1]), *state.c}), c.emit("mul", {sigmoid(g[0]), tanh(g[2])})});
    return {c.emit("mul", {sigmoid(g[3]), tanh(cell_state)}), cell_state};
  }
  std::vector<ValueId> x = c.emitMulti("split", {projected}, split);
  std::vector<ValueId> h = c.emitMulti("split", {recurrent}, split);
  ValueId reset = sigmoid(c.emit("add", {x[0], h[0]}));
  ValueId update = sigmoid(c.emit("add", {x[1], h[1]}));
  ValueId candidate = tanh(c.emit("add", {x[2], c.emit("mul", {reset, h[2]})}));
  return {c.emit("add", {candidate, c.emit("mul", {update, c.emit("sub", {state.h, candidate})})}), {}};
}

// Row `index` of a [L*D, B, H] initial state, as [B, H].
ValueId initialState(Ctx& c, ValueId stacked, int64_t index) {
  const ir::Shape s = c.typeOf(stacked).shape;
  return reshapeTo(c, sliceOf(c, stacked, 0, index, index + 1), {s[1], s[2]});
}

struct Recurrence {
  Cell cell;
  int64_t layers, hidden;
  bool bidirectional, batch_first;
};

struct Unrolled {
  ValueId output;
  std::vector<State> final_states;  // per layer and direction
};

// The whole stack over a [T, B, F] (or batch-first [B, T, F]) sequence.
Unrolled unroll(Ctx& c, const Recurrence& r, ValueId sequence, ValueId h0, std::optional<ValueId> c0,
                const std::vector<ValueId>& params, bool has_biases) {
  const int directions = r.bidirectional ? 2 : 1;
  const int per_direction = has_biases ? 4 : 2;
  const int64_t time_dim = r.batch_first ? 1 : 0, steps = c.typeOf(sequence).shape[time_dim];
  const int64_t batch = c.typeOf(sequence).shape[1 - time_dim];
  Unrolled result{sequence, {}};
  for (int64_t layer = 0; layer < r.layers; ++layer) {
    std::vector<ValueId> direction_outputs;
    for (int d = 0; d < directions; ++d) {
      const size_t base = (layer * directions + d) * per_direction;
      Weights w{params[base], params[base + 1], {}, {}};
      if (has_biases) w.b_ih = params[base + 2], w.b_hh = params[base + 3];
      const int64_t index = layer * directions + d;
      State state{initialState(c, h0, index), c0 ? std::optional(initialState(c, *c0, index)) : std::nullopt};
      ValueId projected = linearOf(c, result.output, w.w_ih, w.b_ih);
      const int64_t width = c.typeOf(projected).shape[2];
      std::vector<ValueId> outputs(steps);
      for (int64_t k = 0; k < steps; ++k) {
        const int64_t t = d == 0 ? k : steps - 1 - k;
        ValueId x = reshapeTo(c, sliceOf(c, projected, time_dim, t, t + 1), {batch, width});
        state = step(c, r.cell, w, x, state, r.hidden);
        outputs[t] = unsqueezed(c, state.h, time_dim);
      }
      direction_outputs.push_back(concatenated(c, outputs, time_dim));
      result.final_states.push_back(state);
    }
    result.output = concatenated(c, direction_outputs, 2);
  }
  return result;
}

// [L*D, B, H] from the final states.
ValueId stackedStates(Ctx& c, const std::vector<State>& states, bool cell_state) {
  std::vector<ValueId> rows;
  for (const State& s : states) rows.push_back(unsqueezed(c, cell_state ? *s.c : s.h, 0));
  return concatenated(c, rows, 0);
}

// What PyTorch checks before it runs a layer, and a damaged file (or the model's own code) may break, checked
// from the op's arguments (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, ...).
// Weights: (w_ih, w_hh[, b_ih, b_hh]) per layer and direction; LSTMs with projections (proj_size) have more.
void checkWeightCount(Ctx& c, size_t count) {
  const int64_t layers = c.toInt(4);
  if (layers < 1) fail("num_layers is {}; a recurrent layer has at least one", layers);
  const size_t per_layer = (c.toBool(7) ? 2 : 1) * (c.toBool(3) ? 4 : 2);
  if (count % per_layer != 0 || count / per_layer != static_cast<size_t>(layers))
    c.unsupported("recurrent weights other than (w_ih, w_hh[, b_ih, b_hh]) per layer (LSTM proj_size)");
}

// Initial states: [L*D, B, H] each, the LSTM's two of one shape.
void checkInitialStates(Ctx& c, const std::vector<ValueId>& states, size_t count, int64_t batch) {
  if (states.size() != count) fail("takes {} initial state tensor(s), not {}", count, states.size());
  const int64_t layers = c.toInt(4), directions = c.toBool(7) ? 2 : 1;
  for (ValueId state : states) {
    const ir::Shape shape = c.typeOf(state).shape;
    if (shape != c.typeOf(states[0]).shape || shape.size() != 3 || shape[0] != layers * directions ||
        shape[1] != batch)
      fail("an initial state of shape [{}] does not fit {} layer(s) x {} direction(s) over a batch of {}",
           ir::shapeToString(shape), layers, directions, batch);
  }
}

// aten::lstm(input, hx[], params[], has_biases, num_layers, dropout, train, bidirectional, batch_first) and
// gru / rnn_tanh / rnn_relu(input, hx, params[], ...same). An unbatched [T, F] input runs as batch 1.
template <Cell kCell>
std::vector<Binding> recurrent(Ctx& c) {
  if (c.numInputs() != 9 || !c.constant(3).isBool()) c.unsupported("packed sequences");
  if (c.toBool(6) && c.toDouble(5) > 0) c.unsupported("training-mode dropout between recurrent layers");
  const bool batched = c.type(0).rank() == 3;
  if (c.type(0).rank() != 2 && !batched) c.unsupported("a recurrent input that is not 2-D or 3-D");
  const bool batch_first = batched && c.toBool(8);
  std::vector<ValueId> hx = kCell == Cell::Lstm ? c.tensorList(1) : std::vector<ValueId>{c.tensor(1)};
  ValueId sequence = c.tensor(0);
  if (!batched) {
    sequence = unsqueezed(c, sequence, 1);
    for (ValueId& s : hx) s = unsqueezed(c, s, 1);
  }
  const std::vector<ValueId> params = c.tensorList(2);
  checkWeightCount(c, params.size());
  checkInitialStates(c, hx, kCell == Cell::Lstm ? 2 : 1, c.typeOf(sequence).shape[batch_first ? 0 : 1]);
  const Recurrence r{kCell, c.toInt(4), c.typeOf(hx[0]).shape[2], c.toBool(7), batch_first};
  Unrolled unrolled =
      unroll(c, r, sequence, hx[0], kCell == Cell::Lstm ? std::optional(hx.at(1)) : std::nullopt, params,
             c.toBool(3));
  std::vector<ValueId> results = {unrolled.output, stackedStates(c, unrolled.final_states, false)};
  if (kCell == Cell::Lstm) results.push_back(stackedStates(c, unrolled.final_states, true));
  std::vector<Binding> bindings;
  for (ValueId v : results) {
    if (!batched)
      v = c.emit("reshape", {v}, {{"shape", ir::Shape{c.typeOf(v).shape[0], c.typeOf(v).shape[2]}}});
    bindings.push_back(Binding::tensor(v));
  }
  return bindings;
}

}  // namespace

LoweringTable recurrentLowerings() {
  return {{"aten::lstm", recurrent<Cell::Lstm>},
          {"aten::gru", recurrent<Cell::Gru>},
          {"aten::rnn_tanh", recurrent<Cell::RnnTanh>},
          {"aten::rnn_relu", recurrent<Cell::RnnRelu>}};
}

}  // namespace kiln::frontend
