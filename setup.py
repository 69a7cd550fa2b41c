"""The wheel's layout; its metadata is in pyproject.toml.

The app's entry script, pages, bundled assets and Streamlit config live at the repository's top
level (app.py, pages/, assets/, .streamlit/config.toml), where `streamlit run app.py` and
`make run` expect them. In the wheel they become the package data of `hnviz._app`, a package
whose folder `package_dir` maps to the repository root, so an installed hnviz holds

    hnviz/                      the library (every subpackage found by find_packages)
    hnviz/_app/app.py           the entry script
    hnviz/_app/pages/*.py       the pages
    hnviz/_app/assets/...       demo runs, sweeps, the paper table, the lecture's curves, diagrams
    hnviz/_app/.streamlit/config.toml

`hnviz.paths.app_root()` finds these files in either place (a checkout: the repository root;
an installed wheel: hnviz/_app). No file is copied or moved in the repository, nothing lists
hnviz's subpackages by hand, and an editable install (`pip install -e .`) runs from the checkout.
"""

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

APP = "hnviz._app"


class BuildPy(build_py):
    """build_py whose hnviz._app holds one module, app.py: not this setup.py, nor any other
    script that may lie in the repository root."""

    def find_package_modules(self, package, package_dir):
        modules = super().find_package_modules(package, package_dir)
        return [m for m in modules if package != APP or m[1] == "app"]


setup(
    cmdclass={"build_py": BuildPy},
    packages=[*find_packages(include=["hnviz", "hnviz.*"]), APP],
    package_dir={APP: "."},
    package_data={APP: ["pages/*.py", "assets/**/*", ".streamlit/config.toml"]},
    include_package_data=False,  # exactly the files above, not whatever else lies in the root
)
