#include "dl/util/plot.hpp"

#include "dl/error.hpp"

#include <gnuplot-iostream.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <iostream>
#include <sstream>
#include <tuple>

namespace dl::util {

PlotMode parse_plot_mode(const std::string& text) {
    if (text == "png") return PlotMode::png;
    if (text == "term") return PlotMode::term;
    if (text == "none") return PlotMode::none;
    DL_THROW(UsageError, "--plot must be png, term or none, got '" << text << "'");
}

namespace {
std::string gnuplot_program() {
    if (const char* env = std::getenv("DLFS_GNUPLOT")) return env;   // tests point this at a missing program
#ifdef DLFS_GNUPLOT
    if (std::filesystem::exists(DLFS_GNUPLOT)) return DLFS_GNUPLOT;
#endif
    return "gnuplot";
}

bool program_on_path(const std::string& program) {
    if (program.find('/') != std::string::npos) return std::filesystem::exists(program);
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && std::filesystem::exists(std::filesystem::path(dir) / program)) return true;
    return false;
}

bool ready(PlotMode mode, const std::string& csv_hint) {
    if (mode == PlotMode::none) return false;
    if (gnuplot_available()) return true;
    std::cerr << "warning: gnuplot not found, no plot drawn: install it with 'apt-get install gnuplot-nox'"
              << (csv_hint.empty() ? std::string() : " (the data is in " + csv_hint + ")") << '\n';
    return false;
}

// Opens gnuplot with the terminal set: a PNG file, or text drawn on our stdout.
void set_terminal(Gnuplot& gp, PlotMode mode, const std::filesystem::path& png, int width, int height) {
    if (mode == PlotMode::png) {
        if (png.has_parent_path()) std::filesystem::create_directories(png.parent_path());
        gp << "set terminal pngcairo size " << width << ',' << height << " font 'DejaVu Sans,10' noenhanced\n";
        gp << "set output '" << png.string() << "'\n";
    } else {
        gp << "set terminal dumb size 120,32" << (isatty(fileno(stdout)) ? " ansi" : "") << "\n";
    }
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) out += (c == '"' ? '\'' : c);
    return out + '"';
}
}  // namespace

bool gnuplot_available() { return program_on_path(gnuplot_program()); }

namespace {
// Ten colours told apart at a glance (gnuplot's own eight repeat), for a scatter's classes.
std::string scatter_colour(std::size_t series) {
    static const char* const colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    return colours[series % 10];
}
}  // namespace

bool plot_panels(const std::vector<Panel>& panels, const std::filesystem::path& png, PlotMode mode,
                 const std::string& title, const std::string& csv_hint) {
    if (!ready(mode, csv_hint) || panels.empty()) return false;
    std::cout << std::flush;   // gnuplot writes to the same terminal: our text first
    Gnuplot gp(gnuplot_program());
    const int n = static_cast<int>(panels.size());
    set_terminal(gp, mode, png, 560 * n, 460);
    gp << "set multiplot layout 1," << n << " title " << quoted(title) << "\n";
    gp << "set grid\nset key below\n";
    for (const auto& panel : panels) {
        gp << "set title " << quoted(panel.title) << "\nset xlabel " << quoted(panel.xlabel) << "\nset ylabel "
           << quoted(panel.ylabel) << "\n";
        gp << (panel.log_y ? "set logscale y\nset format y '1e%L'\n" : "unset logscale y\nset format y '%g'\n");
        // Whole-number x (epochs, runs) over a short range: a tick at each, never 1.2, 1.4, ...
        bool whole = true;
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (const auto& series : panel.series)
            for (const double x : series.x) {
                whole = whole && x == std::floor(x);
                lo = std::min(lo, x), hi = std::max(hi, x);
            }
        gp << (whole && hi - lo <= 12 ? "set xtics 1\n" : "set xtics autofreq\n");
        // One x (a run of one epoch) is an empty range to gnuplot, which warns: give it one around the point.
        if (lo == hi) gp << "set xrange [" << lo - 1 << ':' << hi + 1 << "]\n";
        else gp << "set autoscale x\n";
        gp << "plot ";
        for (std::size_t s = 0; s < panel.series.size(); ++s)
            gp << (s ? ", " : "")
               << (panel.scatter                    ? "'-' with points pt 7 ps 0.5 lc rgb '" + scatter_colour(s) + "' title "
                   : panel.series[s].low.empty() ? std::string("'-' with linespoints pt 7 ps 0.5 lw 2 title ")
                                                 : std::string("'-' with yerrorlines pt 7 ps 0.5 lw 2 title "))
               << quoted(panel.series[s].title);
        gp << "\n";
        for (const auto& series : panel.series) {
            if (series.low.empty()) gp.send1d(std::make_tuple(series.x, series.y));
            else gp.send1d(std::make_tuple(series.x, series.y, series.low, series.high));
        }
    }
    gp << "unset multiplot\n";
    if (mode == PlotMode::png) gp << "set output\n";   // closes the file: the PNG is complete
    return true;
}

bool plot_contour_paths(const std::vector<ContourPicture>& pictures, const std::filesystem::path& png,
                        PlotMode mode) {
    if (!ready(mode, "") || pictures.empty()) return false;
    std::cout << std::flush;
    Gnuplot gp(gnuplot_program());
    const int n = static_cast<int>(pictures.size());
    set_terminal(gp, mode, png, 520 * n, 560);
    gp << "set multiplot layout 1," << n << "\n";
    gp << "set key below maxrows 3 font ',9'\n";
    for (const auto& pic : pictures) {
        DL_CHECK(pic.f && pic.grid >= 2 && !pic.levels.empty(), "plot_contour_paths: '" << pic.title
                                                                    << "' needs a function, a grid and levels");
        gp << "set title " << quoted(pic.title) << "\n";
        gp << "set xrange [" << pic.x_min << ':' << pic.x_max << "]\nset yrange [" << pic.y_min << ':' << pic.y_max
           << "]\n";
        // gnuplot traces the contour lines of the sampled surface into a data block, which the 2-D
        // plot then draws under the paths.
        gp << "set contour base\nunset surface\nset view map\nset cntrparam levels discrete ";
        for (std::size_t i = 0; i < pic.levels.size(); ++i) gp << (i ? "," : "") << pic.levels[i];
        gp << "\nset table $contours\nsplot '-' using 1:2:3 with lines notitle\n";
        std::vector<std::vector<std::tuple<double, double, double>>> rows(pic.grid);
        for (std::size_t r = 0; r < pic.grid; ++r)
            for (std::size_t c = 0; c < pic.grid; ++c) {
                const double x = pic.x_min + (pic.x_max - pic.x_min) * static_cast<double>(c) / static_cast<double>(pic.grid - 1);
                const double y = pic.y_min + (pic.y_max - pic.y_min) * static_cast<double>(r) / static_cast<double>(pic.grid - 1);
                rows[r].emplace_back(x, y, pic.f(x, y));
            }
        gp.send2d(rows);
        gp << "unset table\nunset contour\n";
        gp << "plot $contours using 1:2 with lines lc rgb '#c8c8c8' notitle";
        for (const auto& path : pic.paths) gp << ", '-' with lines lw 2 title " << quoted(path.title);
        gp << ", '-' with points pt 3 ps 2.5 lw 2 lc rgb 'black' title 'minimum'\n";
        for (const auto& path : pic.paths) gp.send1d(std::make_tuple(path.x, path.y));
        gp.send1d(std::vector<std::pair<double, double>>{{pic.mark_x, pic.mark_y}});
    }
    gp << "unset multiplot\n";
    if (mode == PlotMode::png) gp << "set output\n";
    return true;
}

bool plot_decision_boundaries(const std::vector<BoundaryPicture>& pictures, const std::filesystem::path& png,
                              PlotMode mode) {
    if (!ready(mode, "") || pictures.empty()) return false;
    std::cout << std::flush;
    Gnuplot gp(gnuplot_program());
    const int n = static_cast<int>(pictures.size());
    set_terminal(gp, mode, png, 460 * n, 470);
    gp << "set multiplot layout 1," << n
       << " title \"background: the model's p(class 1), blue 0, white 0.5 (the boundary), red 1\"\n";
    gp << "set palette defined (0 '#4575b4', 0.5 '#f7f7f7', 1 '#d73027')\nset cbrange [0:1]\nunset colorbox\n";
    gp << "set size ratio -1\nset key below horizontal font ',9'\nset xlabel 'x1'\nset ylabel 'x2'\n";
    for (const auto& pic : pictures) {
        DL_CHECK(pic.probability.size() == pic.grid * pic.grid, "plot_decision_boundaries: " << pic.probability.size()
                                                                    << " values for a " << pic.grid << "x" << pic.grid << " grid");
        gp << "set title " << quoted(pic.title) << "\n";
        gp << "set xrange [" << pic.x_min << ':' << pic.x_max << "]\nset yrange [" << pic.y_min << ':' << pic.y_max << "]\n";
        // Heat map of p(class 1), then class-0 points as blue circles and class-1 points as red.
        gp << "plot '-' with image notitle, '-' with points pt 7 ps 0.6 lc rgb '#08306b' title 'class 0', "
              "'-' with points pt 9 ps 0.7 lc rgb '#67000d' title 'class 1'\n";
        std::vector<std::tuple<double, double, double>> cells;
        const double dx = (pic.x_max - pic.x_min) / static_cast<double>(pic.grid);
        const double dy = (pic.y_max - pic.y_min) / static_cast<double>(pic.grid);
        for (std::size_t r = 0; r < pic.grid; ++r)
            for (std::size_t c = 0; c < pic.grid; ++c)
                cells.emplace_back(pic.x_min + (static_cast<double>(c) + 0.5) * dx,
                                   pic.y_min + (static_cast<double>(r) + 0.5) * dy, pic.probability[r * pic.grid + c]);
        gp.send1d(cells);
        for (const int cls : {0, 1}) {
            std::vector<std::pair<double, double>> pts;
            for (std::size_t i = 0; i < pic.labels.size(); ++i)
                if (pic.labels[i] == cls) pts.emplace_back(pic.px[i], pic.py[i]);
            if (pts.empty()) pts.emplace_back(pic.x_max + 1, pic.y_max + 1);   // gnuplot needs one point
            gp.send1d(pts);
        }
    }
    gp << "unset multiplot\n";
    if (mode == PlotMode::png) gp << "set output\n";
    return true;
}

bool plot_image_grid(const std::vector<ImageTile>& tiles, std::size_t columns, const std::filesystem::path& png,
                     PlotMode mode, const std::string& title, bool signed_values) {
    if (mode != PlotMode::png || tiles.empty() || !ready(mode, "")) return false;
    std::cout << std::flush;
    Gnuplot gp(gnuplot_program());
    const std::size_t cols = std::min(columns, tiles.size()), rows = (tiles.size() + cols - 1) / cols;
    set_terminal(gp, mode, png, static_cast<int>(150 * cols), static_cast<int>(160 * rows + 40));
    gp << "set multiplot layout " << rows << ',' << cols << " title " << quoted(title) << "\n";
    gp << "unset key\nunset colorbox\nunset tics\nunset border\nset size ratio -1\n";
    gp << (signed_values ? "set palette defined (0 '#2166ac', 0.5 '#f7f7f7', 1 '#b2182b')\n" : "set palette grey\n");
    for (const auto& tile : tiles) {
        DL_CHECK(tile.pixels.size() == tile.height * tile.width,
                 "plot_image_grid: " << tile.pixels.size() << " pixels for a " << tile.height << "x" << tile.width << " tile");
        double lo = *std::min_element(tile.pixels.begin(), tile.pixels.end());
        double hi = *std::max_element(tile.pixels.begin(), tile.pixels.end());
        if (signed_values) hi = std::max(std::abs(lo), std::abs(hi)), lo = -hi;
        if (hi <= lo) hi = lo + 1;   // a constant tile
        // Every title names its colour: gnuplot would keep a marked tile's red for the next ones.
        gp << "set title " << quoted(tile.title) << " textcolor rgb '" << (tile.mark ? "#b2182b" : "black") << "'\n";
        gp << "set cbrange [" << lo << ':' << hi << "]\n";
        gp << "set xrange [-0.5:" << static_cast<double>(tile.width) - 0.5 << "]\n";
        gp << "set yrange [" << static_cast<double>(tile.height) - 0.5 << ":-0.5]\n";   // row 0 at the top
        gp << "plot '-' with image\n";
        std::vector<std::tuple<double, double, double>> cells;
        for (std::size_t r = 0; r < tile.height; ++r)
            for (std::size_t c = 0; c < tile.width; ++c)
                cells.emplace_back(static_cast<double>(c), static_cast<double>(r), tile.pixels[r * tile.width + c]);
        gp.send1d(cells);
    }
    gp << "unset multiplot\nset output\n";
    return true;
}

BoundaryPicture boundary_picture(const std::string& title, const data::Dataset& d,
                                 const std::function<std::vector<double>(const Tensor& grid)>& probability) {
    DL_CHECK(d.size() > 0 && d.x.rank() == 2 && d.x.dim(1) == 2,
             "boundary_picture: expected 2-D points [N, 2], got " << to_string(d.x.shape()));
    BoundaryPicture pic;
    pic.title = title;
    pic.x_min = pic.y_min = 1e30;
    pic.x_max = pic.y_max = -1e30;
    for (std::size_t n = 0; n < d.size(); ++n) {
        const double x = d.x(n, 0), y = d.x(n, 1);
        pic.px.push_back(x), pic.py.push_back(y), pic.labels.push_back(d.labels[n]);
        pic.x_min = std::min(pic.x_min, x), pic.x_max = std::max(pic.x_max, x);
        pic.y_min = std::min(pic.y_min, y), pic.y_max = std::max(pic.y_max, y);
    }
    const double pad_x = 0.1 * (pic.x_max - pic.x_min), pad_y = 0.1 * (pic.y_max - pic.y_min);
    pic.x_min -= pad_x, pic.x_max += pad_x, pic.y_min -= pad_y, pic.y_max += pad_y;
    const auto cells = static_cast<double>(pic.grid);
    Tensor grid({pic.grid * pic.grid, 2});
    for (std::size_t r = 0; r < pic.grid; ++r)
        for (std::size_t c = 0; c < pic.grid; ++c) {
            grid(r * pic.grid + c, 0) = static_cast<float>(pic.x_min + (static_cast<double>(c) + 0.5) / cells * (pic.x_max - pic.x_min));
            grid(r * pic.grid + c, 1) = static_cast<float>(pic.y_min + (static_cast<double>(r) + 0.5) / cells * (pic.y_max - pic.y_min));
        }
    pic.probability = probability(grid);
    DL_CHECK(pic.probability.size() == pic.grid * pic.grid,
             "boundary_picture: the classifier gave " << pic.probability.size() << " values for " << grid.dim(0) << " points");
    return pic;
}

bool plot_heat_maps(const std::vector<HeatMap>& maps, const std::filesystem::path& png, PlotMode mode,
                    const std::string& title) {
    if (mode != PlotMode::png || maps.empty() || !ready(mode, "")) return false;
    std::cout << std::flush;
    Gnuplot gp(gnuplot_program());
    // Two maps a row: a map needs room for a tic label per character.
    const auto cols = static_cast<int>(std::min<std::size_t>(2, maps.size()));
    const auto rows = static_cast<int>((maps.size() + 1) / 2);
    set_terminal(gp, mode, png, 760 * cols, 760 * rows + 40);
    gp << "set multiplot layout " << rows << ',' << cols << " title " << quoted(title) << "\n";
    gp << "unset key\nset size ratio -1\nset cbrange [0:1]\nset palette defined (0 '#ffffff', 1 '#08306b')\n";
    gp << "set xlabel 'key (the character attended to)'\nset ylabel 'query (the position predicting the next)'\n";
    gp << "set xtics font ',8' scale 0\nset ytics font ',8' scale 0\n";
    // A tic label per character; a space shows as ␣, and quotes and backslashes cannot end the string.
    auto tics = [](const std::vector<std::string>& labels) {
        std::string out = "(";
        for (std::size_t i = 0; i < labels.size(); ++i) {
            std::string label = labels[i] == " " ? "␣" : labels[i] == "\n" ? "↵" : labels[i];
            if (label == "\"" || label == "\\") label = label == "\"" ? "''" : "\\\\";
            out += (i ? ", \"" : "\"") + label + "\" " + std::to_string(i);
        }
        return out + ")";
    };
    for (const auto& map : maps) {
        DL_CHECK(map.values.size() == map.rows * map.cols && map.row_labels.size() == map.rows &&
                     map.col_labels.size() == map.cols,
                 "plot_heat_maps: " << map.values.size() << " values and " << map.row_labels.size() << " + "
                                    << map.col_labels.size() << " labels for a " << map.rows << "x" << map.cols << " map");
        gp << "set title " << quoted(map.title) << "\n";
        gp << "set xtics " << tics(map.col_labels) << "\nset ytics " << tics(map.row_labels) << "\n";
        gp << "set xrange [-0.5:" << static_cast<double>(map.cols) - 0.5 << "]\n";
        gp << "set yrange [" << static_cast<double>(map.rows) - 0.5 << ":-0.5]\n";   // row 0 at the top
        gp << "plot '-' with image\n";
        std::vector<std::tuple<double, double, double>> cells;
        for (std::size_t r = 0; r < map.rows; ++r)
            for (std::size_t c = 0; c < map.cols; ++c)
                cells.emplace_back(static_cast<double>(c), static_cast<double>(r), map.values[r * map.cols + c]);
        gp.send1d(cells);
    }
    gp << "unset multiplot\nset output\n";
    return true;
}

}  // namespace dl::util
