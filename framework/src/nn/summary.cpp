#include "dl/nn/sequential.hpp"

#include <algorithm>
#include <cctype>
#include <iomanip>
#include <sstream>

namespace dl::nn {

namespace {
// "(None, 128)": the batch axis first, then the example's dims. An image [C, H, W] is printed
// channels last, (None, H, W, C), as Keras prints it, so the table reads like the Keras summary of the same model.
std::string shape_text(const Shape& s) {
    std::ostringstream out;
    out << "(None";
    if (s.size() == 3)
        out << ", " << s[1] << ", " << s[2] << ", " << s[0];
    else
        for (const std::size_t d : s) out << ", " << d;
    out << ')';
    return out.str();
}
// 225034 -> "225,034"
std::string with_commas(std::size_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}
}  // namespace

std::string summary_table(const std::string& model_name, const std::vector<SummaryRow>& rows) {
    std::ostringstream out;
    // Keras's widths, widened when a layer's name needs more ("convtranspose2d_11 (ConvTranspose2D)").
    std::size_t name_width = 33;
    for (const auto& row : rows) name_width = std::max(name_width, row.layer.size() + 1);
    const std::string rule(37 + name_width, '_'), double_rule(37 + name_width, '=');
    out << "Model: \"" << model_name << "\"\n" << rule << '\n';
    out << std::left << std::setw(static_cast<int>(name_width) + 1) << " Layer (type)" << std::setw(24) << "Output Shape"
        << "Param #\n";
    out << double_rule << '\n';
    std::size_t total = 0;
    for (const auto& row : rows) {
        total += row.params;
        out << ' ' << std::setw(static_cast<int>(name_width)) << row.layer << std::setw(24) << row.output_shape << with_commas(row.params) << '\n';
    }
    out << double_rule << '\n' << "Total params: " << with_commas(total) << '\n' << rule << '\n';
    return out.str();
}

std::string summary(SequentialT<float>& model) {
    std::vector<SummaryRow> rows;
    bool images = false;
    for (std::size_t i = 0; i < model.size(); ++i) {
        auto& layer = model.layer(i);
        std::string name = layer.kind();
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        rows.push_back({name + '_' + std::to_string(i + 1) + " (" + layer.kind() + ')',
                        shape_text(model.layer_output_shape(i)), count_parameters(layer)});
        images = images || model.layer_output_shape(i).size() == 3;
    }
    std::string text = summary_table("sequential", rows);
    if (images) text += "(image shapes are printed (height, width, channels); they are stored [N, C, H, W])\n";
    return text;
}

}  // namespace dl::nn
