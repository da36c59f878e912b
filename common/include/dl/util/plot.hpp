#pragma once
// Plots through gnuplot (gnuplot-iostream): training curves and decision boundaries, as a PNG
// (--plot png), drawn in the terminal (--plot term), or not at all (--plot none). When gnuplot is
// missing the run still succeeds: one warning line says how to install it and plot the CSV.

#include "dl/data/dataset.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace dl::util {

enum class PlotMode { png, term, none };
PlotMode parse_plot_mode(const std::string& text);   // "png" | "term" | "none"

struct Series {
    std::string title;
    std::vector<double> x, y;
    std::vector<double> low, high;   // when given (one per point): an error bar from low to high at each x
};

struct Panel {
    std::string title, xlabel, ylabel;
    std::vector<Series> series;
    bool log_y = false;   // a logarithmic y axis (gradient norms that shrink by orders of magnitude)
    bool scatter = false; // dots alone, not joined (points in a plane rather than curves)
};

// The panels side by side in one picture. Returns false when nothing was drawn (mode none, or
// gnuplot missing: then a warning names `csv_hint`, the data file the user can plot instead).
bool plot_panels(const std::vector<Panel>& panels, const std::filesystem::path& png, PlotMode mode,
                 const std::string& title, const std::string& csv_hint = "");

// A 2-D classifier's picture: its probability of class 1 over a grid as a heat map, the 0.5
// contour (the decision boundary), and the labelled points on top.
struct BoundaryPicture {
    std::string title;
    double x_min = -1, x_max = 1, y_min = -1, y_max = 1;
    std::size_t grid = 100;                 // grid × grid cells
    std::vector<double> probability;        // grid * grid values, row-major, y outer, x inner
    std::vector<double> px, py;             // the points
    std::vector<int> labels;                // their classes (0 or 1)
};
bool plot_decision_boundaries(const std::vector<BoundaryPicture>& pictures, const std::filesystem::path& png,
                              PlotMode mode);

// The picture of a classifier of 2-D points d.x: [N, 2]: the points, a box around them (10% wider
// on each side), and `probability` evaluated at the centres of the box's grid cells, which it
// receives as one batch [grid², 2] in the picture's order (y outer, x inner).
BoundaryPicture boundary_picture(const std::string& title, const data::Dataset& d,
                                 const std::function<std::vector<double>(const Tensor& grid)>& probability);

// A 2-D function's contour lines with paths drawn over them (chapter 3: optimizers on test surfaces).
struct ContourPicture {
    std::string title;
    double x_min = -1, x_max = 1, y_min = -1, y_max = 1;
    std::size_t grid = 150;               // grid × grid samples
    std::function<double(double, double)> f;
    std::vector<double> levels;           // the contour levels (f values)
    std::vector<Series> paths;            // one path per series: the points visited, in order
    double mark_x = 0, mark_y = 0;        // the minimum, marked with a star
};
bool plot_contour_paths(const std::vector<ContourPicture>& pictures, const std::filesystem::path& png,
                        PlotMode mode);

// Small images in a grid, each with a title (chapter 5: the first layer's filters; test images with
// their predicted classes). Grey images run from black (their smallest value) to white; signed
// ones (`signed_values`, filters) from blue (−m) through white (0) to red (+m), m = the tile's
// largest |value|. A tile whose `mark` is set has a red title. PNG only (a terminal cannot show them).
struct ImageTile {
    std::string title;
    std::size_t height = 0, width = 0;
    std::vector<double> pixels;   // height × width, row-major, row 0 at the top
    bool mark = false;
};
bool plot_image_grid(const std::vector<ImageTile>& tiles, std::size_t columns, const std::filesystem::path& png,
                     PlotMode mode, const std::string& title, bool signed_values);

// Labelled heat maps, two a row (chapter 7: attention weights, a row per query position, a
// column per key, each axis labelled with its characters), white (0) to dark blue (1). PNG only.
struct HeatMap {
    std::string title;
    std::size_t rows = 0, cols = 0;
    std::vector<double> values;                         // rows × cols in 0..1, row-major, row 0 at the top
    std::vector<std::string> row_labels, col_labels;    // one per row and column
};
bool plot_heat_maps(const std::vector<HeatMap>& maps, const std::filesystem::path& png, PlotMode mode,
                    const std::string& title);

// true when the gnuplot program can be found.
bool gnuplot_available();

}  // namespace dl::util
