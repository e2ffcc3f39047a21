from trackbench.cli.app import expand_multi_value_options, main


def test_help_exits_zero(capsys):
    assert main(["--help"]) == 0
    assert "convert" in capsys.readouterr().out


def test_multi_value_options_are_expanded():
    argv = ["eval", "--metrics", "HOTA", "MOTA", "--gt", "g", "--results", "a", "b"]
    assert expand_multi_value_options(argv) == [
        "eval", "--metrics", "HOTA", "--metrics", "MOTA", "--gt", "g", "--results", "a", "--results", "b",
    ]


def test_unknown_converter_is_one_clear_line(tmp_path, capsys):
    code = main(["convert", "nosuch", "--root", str(tmp_path), "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown converter 'nosuch'" in err and "mot17" in err
